"""Reads of the knowledge base: what a person may read, the help centre's tree, the review queue, stale
articles, the suggestions for a ticket, and deflections."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.utils import timezone

from escalade import authz
from escalade.accounts.models import Role
from escalade.kb.models import Article, ArticleRevision, ArticleState, Deflection, KbCategory, RevisionStatus
from escalade.kb.services import DEFLECTION_WINDOW
from escalade.search.backends import Hit, SearchFilters
from escalade.search.selectors import search
from escalade.search.text import QUERY_LENGTH
from escalade.tickets.models import Ticket

STALE_AFTER = dt.timedelta(days=180)
SUGGESTIONS = 5


def can_edit_articles(user: authz.AnyUser) -> bool:
    """Provider staff write, review and archive articles."""
    return authz.is_provider_staff(user)


def help_centre_categories(user: authz.AnyUser) -> list[tuple[KbCategory, list[Article]]]:
    """Each category with the articles ``user`` may read in it, in the reader's language first."""
    language = getattr(user, "language", "fr")
    articles = authz.articles_visible_to(user).filter(state=ArticleState.PUBLISHED).select_related("category")
    by_category: dict[int, dict[str, Article]] = {}
    for article in articles.order_by("title"):
        if article.category_id is None:
            continue
        group = by_category.setdefault(article.category_id, {})
        key = str(article.translation_group)
        if key not in group or article.language == language:
            group[key] = article
    return [
        (category, sorted(by_category[category.pk].values(), key=lambda a: a.title))
        for category in KbCategory.objects.filter(pk__in=list(by_category))
    ]


def review_queue() -> QuerySet[Article]:
    return (
        Article.objects.filter(state=ArticleState.IN_REVIEW).select_related("author").order_by("updated_at")
    )


def proposed_changes() -> list[tuple[ArticleRevision, list[str]]]:
    """Level-1 agents' changes to published articles waiting for review, oldest first, each with its
    diff from the published text (on the partial index of proposals)."""
    revisions = (
        ArticleRevision.objects.filter(status=RevisionStatus.PROPOSED)
        .select_related("article", "author")
        .order_by("created_at")[:100]
    )
    changes = []
    for revision in revisions:
        published = ArticleRevision(number=0, title=revision.article.title, body=revision.article.body)
        changes.append((revision, revision.diff(published)))
    return changes


def stale_articles(
    *, now: dt.datetime | None = None, stale_after: dt.timedelta = STALE_AFTER
) -> QuerySet[Article]:
    """Published articles whose review date has passed or that nobody changed for ``stale_after``."""
    now = now or timezone.now()
    return (
        Article.objects.filter(state=ArticleState.PUBLISHED)
        .filter(Q(review_by__lt=timezone.localdate(now)) | Q(updated_at__lt=now - stale_after))
        .select_related("author")
        .order_by("review_by", "updated_at")
    )


def translations_of(article: Article, user: authz.AnyUser) -> QuerySet[Article]:
    return (
        authz.articles_visible_to(user)
        .filter(translation_group=article.translation_group)
        .exclude(pk=article.pk)
    )


def ticket_suggestions(
    *, ticket: Ticket, user: authz.AnyUser, query: str = ""
) -> tuple[list[Hit], list[tuple[Hit, Ticket]]]:
    """For an agent's ticket page: matching articles, and similar resolved tickets with their solutions;
    for what the agent typed in the panel's search box (``query``), else for the ticket's own words."""
    query = query.strip()[:QUERY_LENGTH] or f"{ticket.title} {ticket.description[:200]}"
    articles = search(query=query, user=user, types=["article"], limit=SUGGESTIONS)
    similar: list[tuple[Hit, Ticket]] = []
    for state in ("resolved", "closed"):
        hits = search(query=query, user=user, types=["ticket"], filters=SearchFilters(state=state), limit=10)
        tickets = authz.tickets_visible_to(user).in_bulk([h.id for h in hits if h.id != ticket.pk])
        similar += [(hit, tickets[hit.id]) for hit in hits if hit.id in tickets]
    similar.sort(key=lambda pair: -pair[0].score)
    return articles, similar[:SUGGESTIONS]


def deflection_count(*, since: dt.datetime, now: dt.datetime | None = None) -> int:
    """Suggested articles opened since ``since`` and not followed by a ticket within the window."""
    now = now or timezone.now()
    return Deflection.objects.filter(
        created_at__gte=since, created_at__lt=now - DEFLECTION_WINDOW, converted_ticket__isnull=True
    ).count()


def is_requester_side(user: authz.AnyUser) -> bool:
    return getattr(user, "role", None) in {Role.REQUESTER, Role.CLIENT_MANAGER}
