"""Writes of the knowledge base: articles and their life (draft → in review → published → archived),
revisions, files, "solved with" links, feedback, views and deflections.

Every change validates, checks who may do it, writes in a transaction, records an event, and reindexes
the article for search in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.core.files import file_check
from escalade.core.services import JSONValue, changes_between, event_record, snapshot
from escalade.kb.models import (
    Article,
    ArticleAttachment,
    ArticleFeedback,
    ArticleLanguage,
    ArticleRevision,
    ArticleState,
    ArticleVisibility,
    Deflection,
    KbCategory,
    RevisionStatus,
    TicketArticle,
)
from escalade.orgs.models import Organisation
from escalade.search.services import index_article
from escalade.tickets.choices import State
from escalade.tickets.models import Ticket
from escalade.tickets.services._common import record as ticket_record
from escalade.tickets.services.intake import tag_objects

REVIEW_PERIOD = dt.timedelta(days=365)
DEFLECTION_WINDOW = dt.timedelta(minutes=30)
TRACKED = ("title", "body", "language", "category", "tags", "visibility", "organisations", "state",
           "reviewer", "review_by", "related")  # fmt: skip
EDITABLE = frozenset({"title", "body", "category", "visibility", "review_by"})


def _ensure_editor(actor: Actor) -> None:
    if actor.user is not None and not authz.is_provider_staff(actor.user):
        raise PermissionDeniedError(_("Only provider staff may write knowledge base articles."))


def _unique_slug(title: str, language: str) -> str:
    base = (slugify(title) or "article")[:100]
    slug, number = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, number = f"{base}-{language}" if number == 2 else f"{base}-{number}", number + 1
    return slug


def _check(article: Article) -> None:
    if not article.title.strip():
        raise ValidationFailed(_("A title is required."), field="title")
    if not article.body.strip():
        raise ValidationFailed(_("Write the article."), field="body")
    if article.language not in ArticleLanguage.values:
        raise ValidationFailed(_("Choose French or English."), field="language")
    if article.visibility not in ArticleVisibility.values:
        raise ValidationFailed(_("Choose who may read the article."), field="visibility")


def _revise(article: Article, author: User, note: str = "") -> ArticleRevision:
    last = article.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    return ArticleRevision.objects.create(
        article=article, number=last + 1, author=author, title=article.title, body=article.body, note=note
    )


def _record(actor: Actor, article: Article, action: str, before: Mapping[str, JSONValue] | None) -> None:
    changes = changes_between(before, snapshot(article, TRACKED)) if before is not None else {}
    event_record(actor=actor, obj=article, action=action, changes=changes)


@transaction.atomic
def article_create(
    *,
    actor: Actor,
    author: User,
    title: str,
    body: str,
    language: str = ArticleLanguage.FRENCH,
    category: KbCategory | None = None,
    tags: Iterable[str] = (),
    visibility: str = ArticleVisibility.EVERYONE,
    organisations: Iterable[Organisation] = (),
    translation_of: Article | None = None,
    slug: str = "",
    review_by: dt.date | None = None,
) -> Article:
    """Write a draft article (optionally the translation of another one): its first revision is kept."""
    _ensure_editor(actor)
    article = Article(
        title=title.strip(), body=body.strip(), language=language, category=category, visibility=visibility,
        author=author, review_by=review_by, slug=slug or _unique_slug(title, language),
    )  # fmt: skip
    if translation_of is not None:
        if Article.objects.filter(
            translation_group=translation_of.translation_group, language=language
        ).exists():
            raise ValidationFailed(
                _("This article already has a version in this language."), field="language"
            )
        article.translation_group = translation_of.translation_group
    _check(article)
    article.save()
    article.tags.set(tag_objects(tags))
    article.organisations.set(list(organisations))
    _revise(article, author)
    _record(actor, article, "article.created", {})
    index_article(article.pk)
    return article


@transaction.atomic
def article_update(
    *,
    actor: Actor,
    article: Article,
    values: Mapping[str, Any],
    tags: Iterable[str] | None = None,
    organisations: Iterable[Organisation] | None = None,
    related: Iterable[Article] | None = None,
    note: str = "",
) -> Article:
    """Change an article; a change of title or body is a new revision (author, time, readable diff).

    A level-1 agent's change to a published article does not go live: its title and body become a
    proposed revision for review (``article_change_propose``) and the published text stays."""
    _ensure_editor(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.state == ArticleState.ARCHIVED:
        raise ConflictError(_("An archived article cannot be changed."), field="state")
    if article.state == ArticleState.PUBLISHED and actor.user and authz.article_edits_need_review(actor.user):
        title, body = values.get("title", article.title), values.get("body", article.body)
        if (title.strip(), body.strip()) != (article.title, article.body):
            article_change_propose(actor=actor, article=article, title=title, body=body, note=note)
        return article
    before = snapshot(article, TRACKED)
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValidationFailed(f"cannot change {', '.join(sorted(unknown))}", field=min(unknown))
    for name, value in values.items():
        setattr(article, name, value.strip() if isinstance(value, str) else value)
    _check(article)
    article.save()
    if tags is not None:
        article.tags.set(tag_objects(tags))
    if organisations is not None:
        article.organisations.set(list(organisations))
    if related is not None:
        article.related.set([other for other in related if other.pk != article.pk])
    if (article.title, article.body) != (before["title"], before["body"]):
        _revise(article, actor.user or article.author, note)
    _record(actor, article, "article.updated", before)
    index_article(article.pk)
    return article


@transaction.atomic
def article_change_propose(
    *, actor: Actor, article: Article, title: str, body: str, note: str = ""
) -> ArticleRevision:
    """A change of a published article waiting for review: kept as a proposed revision, the article
    itself untouched (readers keep the published text until a reviewer approves)."""
    _ensure_editor(actor)
    if actor.user is None:
        raise PermissionDeniedError("only a person proposes a change")
    proposed = Article(title=title.strip(), body=body.strip(), language=article.language,
                       visibility=article.visibility)  # fmt: skip
    _check(proposed)
    last = article.revisions.order_by("-number").values_list("number", flat=True).first() or 0
    revision = ArticleRevision.objects.create(
        article=article, number=last + 1, author=actor.user, title=proposed.title, body=proposed.body,
        note=note, status=RevisionStatus.PROPOSED,
    )  # fmt: skip
    event_record(
        actor=actor, obj=article, action="article.change_proposed", data={"revision": revision.number}
    )
    return revision


def _pending(actor: Actor, revision: ArticleRevision) -> ArticleRevision:
    if actor.user is not None and not authz.can_review_article_changes(actor.user):
        raise PermissionDeniedError(_("Level-2 and level-3 agents and supervisors review changes."))
    revision = ArticleRevision.objects.select_for_update().get(pk=revision.pk)
    if actor.user is not None and actor.user.pk == revision.author_id:
        raise PermissionDeniedError(_("Someone other than the author must review the change."))
    if revision.status != RevisionStatus.PROPOSED:
        raise ConflictError(_("This change has already been decided."), field="status")
    return revision


@transaction.atomic
def article_change_approve(*, actor: Actor, revision: ArticleRevision) -> Article:
    """Publish a proposed change: the article takes its title and body, the revision becomes applied."""
    revision = _pending(actor, revision)
    article = Article.objects.select_for_update().get(pk=revision.article_id)
    if article.state == ArticleState.ARCHIVED:
        raise ConflictError(_("An archived article cannot be changed."), field="state")
    before = snapshot(article, TRACKED)
    article.title, article.body = revision.title, revision.body
    article.save()
    revision.status, revision.decided_by, revision.decided_at = (
        RevisionStatus.APPLIED,
        actor.user,
        timezone.now(),
    )
    revision.save(update_fields=["status", "decided_by", "decided_at"])
    changes = changes_between(before, snapshot(article, TRACKED))
    event_record(actor=actor, obj=article, action="article.change_approved", changes=changes,
                 data={"revision": revision.number})  # fmt: skip
    index_article(article.pk)
    return article


@transaction.atomic
def article_change_reject(*, actor: Actor, revision: ArticleRevision, reason: str) -> ArticleRevision:
    """Turn a proposed change down, saying why; the published text stays as it is."""
    if not reason.strip():
        raise ValidationFailed(_("Say what needs changing."), field="reason")
    revision = _pending(actor, revision)
    revision.status, revision.decided_by, revision.decided_at = (
        RevisionStatus.REJECTED,
        actor.user,
        timezone.now(),
    )
    revision.decision_reason = reason.strip()[:500]
    revision.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    event_record(actor=actor, obj=revision.article, action="article.change_rejected",
                 data={"revision": revision.number, "reason": revision.decision_reason})  # fmt: skip
    return revision


def _move(actor: Actor, article: Article, *, allowed: set[str], to: str, action: str) -> Article:
    _ensure_editor(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if article.state not in allowed:
        raise ConflictError(
            _("An article in state “%(state)s” cannot do this.") % {"state": article.get_state_display()},
            field="state",
        )
    before = snapshot(article, TRACKED)
    article.state = to
    return _finish(actor, article, action, before)


def _finish(actor: Actor, article: Article, action: str, before: Mapping[str, JSONValue]) -> Article:
    article.save()
    _record(actor, article, action, before)
    index_article(article.pk)
    return article


@transaction.atomic
def article_submit_for_review(*, actor: Actor, article: Article) -> Article:
    """Ask a reviewer to approve a draft (or a rework of a published article)."""
    return _move(actor, article, allowed={ArticleState.DRAFT, ArticleState.PUBLISHED}, to="in_review",
                 action="article.submitted")  # fmt: skip


@transaction.atomic
def article_approve(*, actor: Actor, article: Article, review_by: dt.date | None = None) -> Article:
    """Publish an article in review. The reviewer is provider staff and not its author."""
    _ensure_editor(actor)
    article = Article.objects.select_for_update().get(pk=article.pk)
    if actor.user is not None and actor.user.pk == article.author_id:
        raise PermissionDeniedError(_("Someone other than the author must approve the article."))
    if article.state != ArticleState.IN_REVIEW:
        raise ConflictError(_("Only an article in review can be approved."), field="state")
    before = snapshot(article, TRACKED)
    now = timezone.now()
    article.state = ArticleState.PUBLISHED
    article.reviewer = actor.user
    article.published_at = article.published_at or now
    article.review_by = review_by or timezone.localdate(now + REVIEW_PERIOD)
    return _finish(actor, article, "article.approved", before)


@transaction.atomic
def article_return_to_draft(*, actor: Actor, article: Article, reason: str) -> Article:
    """Send an article in review back to its author."""
    if not reason.strip():
        raise ValidationFailed(_("Say what needs changing."), field="reason")
    return _move(actor, article, allowed={ArticleState.IN_REVIEW}, to="draft", action="article.returned")


@transaction.atomic
def article_archive(*, actor: Actor, article: Article) -> Article:
    """Withdraw an article: nobody but staff finds it any more."""
    return _move(actor, article, allowed={"draft", "in_review", "published"}, to="archived",
                 action="article.archived")  # fmt: skip


@transaction.atomic
def article_from_ticket(*, actor: Actor, ticket: Ticket) -> Article:
    """A draft prefilled from a resolved ticket: its title, the problem and the solution."""
    ticket = Ticket.objects.select_related("requester").get(pk=ticket.pk)
    authz.ensure_ticket_action(actor.user, "work", ticket)
    if ticket.state not in {State.RESOLVED, State.CLOSED}:
        raise ConflictError(_("Only a resolved ticket can become an article."), field="state")
    author = actor.user
    if author is None:
        raise PermissionDeniedError(_("Only provider staff may write knowledge base articles."))
    language = ArticleLanguage.ENGLISH if ticket.requester.language == "en" else ArticleLanguage.FRENCH
    problem, solution = ("Problem", "Solution") if language == "en" else ("Problème", "Solution")
    body = f"## {problem}\n\n{ticket.description.strip()}\n\n## {solution}\n\n{ticket.solution.strip()}\n"
    article = article_create(
        actor=actor, author=author, title=ticket.title, body=body, language=language,
        visibility=ArticleVisibility.AGENTS, tags=ticket.tags.values_list("name", flat=True),
    )  # fmt: skip
    event_record(actor=actor, obj=article, action="article.drafted_from_ticket", data={"ticket": ticket.pk})
    return article


@transaction.atomic
def ticket_solved_with(*, actor: Actor, ticket: Ticket, article: Article) -> TicketArticle:
    """Link the article that solved ``ticket``; linking twice changes nothing."""
    authz.ensure_ticket_action(actor.user, "work", ticket)
    if actor.user is None:
        raise PermissionDeniedError(_("Only provider staff may link articles."))
    link, created = TicketArticle.objects.get_or_create(
        ticket=ticket, article=article, defaults={"linked_by": actor.user}
    )
    if created:
        ticket_record(actor=actor, ticket=ticket, action="ticket.solved_with",
                      data={"article": article.pk, "slug": article.slug})  # fmt: skip
    return link


@transaction.atomic
def feedback_give(
    *, article: Article, user: User, is_helpful: bool, comment: str = "", session_key: str = ""
) -> ArticleFeedback:
    """ "Was this helpful?": one answer per person and article (a second answer replaces the first)."""
    feedback = ArticleFeedback.objects.select_for_update().filter(article=article, user=user).first()
    previous = feedback.is_helpful if feedback is not None else None
    if feedback is None:
        feedback = ArticleFeedback(article=article, user=user)
    feedback.is_helpful, feedback.comment = is_helpful, comment.strip()[:2000]
    feedback.session_key = session_key[:64]
    feedback.save()
    counters: dict[str, Any] = {}
    if previous is not None and previous != is_helpful:
        counters["helpful_count" if previous else "not_helpful_count"] = (
            F("helpful_count" if previous else "not_helpful_count") - 1
        )
    if previous != is_helpful:
        name = "helpful_count" if is_helpful else "not_helpful_count"
        counters[name] = F(name) + 1
    if counters:
        Article.objects.filter(pk=article.pk).update(**counters)
    return feedback


def article_viewed(*, article: Article) -> None:
    """Count one reading (an atomic increment, no read-modify-write)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def deflection_record(*, article: Article, user: User, session_key: str, query: str = "") -> Deflection:
    """A requester opened ``article`` from the suggestions of the new-ticket form."""
    return Deflection.objects.create(
        article=article, user=user, session_key=session_key[:64], query=query[:200], created_at=timezone.now()
    )


def deflection_convert(*, session_key: str, ticket: Ticket) -> int:
    """The requester logged ``ticket`` anyway: the suggestions they opened in this session within the
    window did not deflect it. Returns how many were converted."""
    since = timezone.now() - DEFLECTION_WINDOW
    return Deflection.objects.filter(
        session_key=session_key, converted_ticket__isnull=True, created_at__gte=since
    ).update(converted_ticket=ticket)


@transaction.atomic
def article_attachment_add(
    *, actor: Actor, article: Article, filename: str, content: IO[bytes]
) -> ArticleAttachment:
    """Store a file or an image on an article (size limit, sniffed type, executables refused)."""
    _ensure_editor(actor)
    checked = file_check(filename=filename, content=content, limit=settings.ESCALADE_ATTACHMENT_MAX_BYTES)
    attachment = ArticleAttachment(
        article=article, filename=checked.name, content_type=checked.content_type, size=checked.size,
        sha256=checked.sha256, uploaded_by=actor.user or article.author,
    )  # fmt: skip
    attachment.file.save(checked.sha256[:16], ContentFile(checked.data), save=False)
    attachment.save()
    event_record(actor=actor, obj=article, action="article.file_added", data={"filename": checked.name})
    return attachment
