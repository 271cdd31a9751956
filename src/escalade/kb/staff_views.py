"""Staff pages of the knowledge base: the list, the editor, the history with diffs, the review queue,
stale articles, and the state changes (submit, approve, return, archive)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from escalade import authz
from escalade.core.errors import DomainError, PermissionDeniedError
from escalade.kb import selectors, services
from escalade.kb.forms import ArticleForm
from escalade.kb.models import Article, ArticleRevision, ArticleState
from escalade.kb.views import actor

editor_only = authz.require(selectors.can_edit_articles)


@editor_only
def manage(request: HttpRequest) -> HttpResponse:
    """Every article, filtered by state."""
    state = request.GET.get("state", "")
    articles = Article.objects.select_related("author", "category").order_by("-updated_at")
    if state in ArticleState.values:
        articles = articles.filter(state=state)
    context = {"articles": articles[:200], "state": state, "states": ArticleState.choices}
    return render(request, "kb/manage.html", context)


@editor_only
def review_queue(request: HttpRequest) -> HttpResponse:
    """Articles in review, and level-1 agents' changes to published articles (for those who review)."""
    context = {
        "articles": selectors.review_queue(), "title": _("To review"),
        "changes": selectors.proposed_changes() if authz.can_review_article_changes(request.user) else [],
    }  # fmt: skip
    return render(request, "kb/manage.html", context)


@require_POST
@editor_only
def change_decide(request: HttpRequest, slug: str, number: int, decision: str) -> HttpResponse:
    """Approve or reject a proposed change of a published article (a reason to reject)."""
    revision = get_object_or_404(ArticleRevision, article__slug=slug, number=number)
    try:
        if decision == "approve":
            services.article_change_approve(actor=actor(request), revision=revision)
            messages.success(request, _("Change published."))
        elif decision == "reject":
            reason = request.POST.get("reason", "")
            services.article_change_reject(actor=actor(request), revision=revision, reason=reason)
            messages.success(request, _("Change rejected."))
        else:
            raise Http404
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        messages.error(request, error.message)
    return redirect("kb:review")


@editor_only
def stale(request: HttpRequest) -> HttpResponse:
    """For the support manager: review date passed, or untouched for six months."""
    return render(
        request, "kb/manage.html", {"articles": selectors.stale_articles(), "title": _("Stale articles")}
    )


@transaction.atomic
def _save(request: HttpRequest, form: ArticleForm, item: Article | None) -> Article:
    data = form.cleaned_data
    if item is None:
        item = services.article_create(
            actor=actor(request), author=request.user, title=data["title"], body=data["body"],  # type: ignore[arg-type]
            language=data["language"], category=data["category"], tags=form.tag_names(),
            visibility=data["visibility"], organisations=data["organisations"], review_by=data["review_by"],
            translation_of=data["translation_of"],
        )  # fmt: skip
        if data["related"]:
            services.article_update(actor=actor(request), article=item, values={}, related=data["related"])
    else:
        if item.state == ArticleState.PUBLISHED and authz.article_edits_need_review(request.user):
            services.article_change_propose(
                actor=actor(request), article=item, title=data["title"], body=data["body"], note=data["note"]
            )
            messages.info(
                request, _("Your change was sent for review: the published text stays until it is approved.")
            )
            return item
        values = {name: data[name] for name in ("title", "body", "category", "visibility", "review_by")}
        item = services.article_update(
            actor=actor(request), article=item, values=values, tags=form.tag_names(),
            organisations=data["organisations"], related=data["related"], note=data["note"],
        )  # fmt: skip
    for upload in data["attachments"]:
        services.article_attachment_add(
            actor=actor(request), article=item, filename=upload.name, content=upload
        )
    return item


def _editor(request: HttpRequest, item: Article | None) -> HttpResponse:
    initial: dict[str, Any] = {}
    if item is not None:
        initial = {
            "title": item.title, "body": item.body, "category": item.category, "visibility": item.visibility,
            "organisations": item.organisations.all(), "review_by": item.review_by,
            "tags": ", ".join(item.tags.values_list("name", flat=True)), "related": item.related.all(),
        }  # fmt: skip
    form = ArticleForm(request.POST or None, request.FILES or None, initial=initial, editing=item is not None)
    if request.method == "POST" and form.is_valid():
        try:
            item = _save(request, form, item)
        except DomainError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Article saved."))
            return redirect("kb:edit", slug=item.slug)
    return render(
        request, "kb/edit.html", {"form": form, "article": item}, status=422 if form.errors else 200
    )


@editor_only
def create(request: HttpRequest) -> HttpResponse:
    return _editor(request, None)


@editor_only
def edit(request: HttpRequest, slug: str) -> HttpResponse:
    return _editor(request, get_object_or_404(Article, slug=slug))


@editor_only
def history(request: HttpRequest, slug: str) -> HttpResponse:
    """Every revision with its author, time and a readable diff from the one before."""
    item = get_object_or_404(Article, slug=slug)
    revisions = list(item.revisions.filter(status="applied").select_related("author").order_by("number"))
    entries = [
        (revision, revision.diff(revisions[index - 1] if index else None))
        for index, revision in enumerate(revisions)
    ]
    return render(request, "kb/history.html", {"article": item, "entries": reversed(entries)})


ACTIONS: dict[str, Callable[..., Article]] = {
    "submit": services.article_submit_for_review,
    "approve": services.article_approve,
    "archive": services.article_archive,
    "return": services.article_return_to_draft,
}


@require_POST
@editor_only
def change_state(request: HttpRequest, slug: str, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    item = get_object_or_404(Article, slug=slug)
    extra = {"reason": request.POST.get("reason", "")} if action == "return" else {}
    try:
        ACTIONS[action](actor=actor(request), article=item, **extra)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("kb:edit", slug=slug)
    messages.success(request, _("Article updated."))
    return redirect("kb:edit", slug=slug)
