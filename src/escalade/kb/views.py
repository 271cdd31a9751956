"""The help centre (browse, read, search, feedback, suggestions while a requester types a ticket) and
the staff pages (editor, history, review queue, stale articles, ticket → article)."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.assets.selectors import assets_search
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.core.http import HtmxHttpRequest, client_ip, file_download
from escalade.kb import selectors, services
from escalade.kb.forms import FeedbackForm, SearchForm
from escalade.kb.markdown import render as render_markdown
from escalade.kb.models import Article
from escalade.search.backends import SearchFilters
from escalade.search.selectors import search as search_documents
from escalade.search.text import QUERY_LENGTH

SUGGESTION_MIN_LENGTH = 3


def _person(request: HttpRequest) -> User:
    assert isinstance(request.user, User)  # @authz.require(signed_in) ran first
    return request.user


def actor(request: HttpRequest) -> Actor:
    return Actor.of(_person(request), source_ip=client_ip(request))


def visible_article(request: HttpRequest, slug: str) -> Article:
    """The article if the person may read it; otherwise 404 (existence never leaks)."""
    article = authz.articles_visible_to(request.user).filter(slug=slug).first()
    if article is None:
        raise Http404
    return article


@require_GET
@authz.require(authz.signed_in)
def attachment(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """A file or image of an article, for those who may read the article (never a bare media URL)."""
    item = get_object_or_404(visible_article(request, slug).attachments.all(), pk=pk)
    return file_download(
        item.file, filename=item.filename, content_type=item.content_type, inline_images=True
    )


@authz.require(authz.signed_in)
def index(request: HttpRequest) -> HttpResponse:
    """The help centre: the category tree with its articles, and the search box."""
    context = {"categories": selectors.help_centre_categories(request.user), "form": SearchForm()}
    return render(request, "kb/index.html", context)


@require_GET
@authz.require(authz.signed_in)
def search(request: HtmxHttpRequest) -> HttpResponse:
    """Search tickets and articles the person may see, with filters by type, state, organisation, date."""
    form = SearchForm(request.GET)
    hits = []
    assets = []
    if form.is_valid() and form.cleaned_data["q"]:
        data = form.cleaned_data
        if not data["type"]:  # staff find machines too (hostname, serial, tag, user's name)
            assets = assets_search(user=request.user, query=data["q"])
        filters = SearchFilters(organisation_id=data["organisation"], state=data["state"],
                                since=data["since"], until=data["until"])  # fmt: skip
        types = [data["type"]] if data["type"] else []
        hits = search_documents(query=data["q"], user=request.user, types=types, filters=filters)
    template = "kb/_results.html" if request.htmx else "kb/search.html"
    # Nothing answers (the relevance floor): a requester is offered to open a request instead.
    offer_request = selectors.is_requester_side(request.user)
    context = {"form": form, "hits": hits, "assets": assets, "offer_request": offer_request}
    return render(request, template, context)


@require_GET
@authz.require(authz.signed_in)
def suggest(request: HttpRequest) -> HttpResponse:
    """The htmx partial under the new-ticket form: published articles matching what is being typed."""
    text = " ".join(request.GET.get(name, "") for name in ("q", "title", "description")).strip()[
        :QUERY_LENGTH
    ]
    hits = []
    if len(text) >= SUGGESTION_MIN_LENGTH:
        hits = search_documents(query=text, user=request.user, types=["article"], limit=5)
    return render(request, "kb/_suggestions.html", {"hits": hits, "query": text[:200]})


@require_GET
@authz.require(authz.signed_in)
def article(request: HttpRequest, slug: str) -> HttpResponse:
    """Read an article; opened from the new-ticket suggestions, it may become a deflection."""
    item = visible_article(request, slug)
    services.article_viewed(article=item)
    person = _person(request)
    if request.GET.get("from") == "suggest" and selectors.is_requester_side(person):
        if not request.session.session_key:
            request.session.save()
        services.deflection_record(article=item, user=person, session_key=request.session.session_key or "",
                                   query=request.GET.get("q", ""))  # fmt: skip
    context = {
        "article": item,
        "html": render_markdown(item.body),
        "translations": selectors.translations_of(item, request.user),
        "related": authz.articles_visible_to(request.user).filter(related=item),
        "attachments": item.attachments.all(),
        "feedback_form": FeedbackForm(),
        "can_edit": selectors.can_edit_articles(request.user),
    }
    return render(request, "kb/article.html", context)


@require_POST
@authz.require(authz.signed_in)
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    """ "Was this helpful?" (htmx swaps the form for a thank-you)."""
    item = visible_article(request, slug)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        return render(request, "kb/_feedback.html", {"article": item, "feedback_form": form}, status=422)
    data = form.cleaned_data
    services.feedback_give(
        article=item, user=_person(request), is_helpful=data["is_helpful"], comment=data["comment"],
        session_key=request.session.session_key or "",
    )  # fmt: skip
    return render(request, "kb/_feedback.html", {"article": item, "thanks": True})


@require_GET
@authz.require(selectors.can_edit_articles)
def quote(request: HttpRequest, slug: str) -> HttpResponse:
    """The article as text to insert into a reply (Markdown reads well as plain text)."""
    item = visible_article(request, slug)
    text = f"{item.title}\n\n{item.body}\n\n{request.build_absolute_uri(item_url(item))}\n"
    return HttpResponse(text, content_type="text/plain; charset=utf-8")


def item_url(item: Article) -> str:
    return reverse("kb:article", args=[item.slug])


@require_GET
@authz.require(selectors.can_edit_articles)
def ticket_suggestions(request: HtmxHttpRequest, reference: str) -> HttpResponse:
    """The htmx partial for an agent's ticket page: a search box, matching articles and similar resolved
    tickets (for the ticket's words, or for ``q``, what the agent typed in the box)."""
    ticket = get_object_or_404(authz.tickets_visible_to(request.user), reference=reference)
    query = request.GET.get("q", "")
    articles, similar = selectors.ticket_suggestions(ticket=ticket, user=request.user, query=query)
    context = {"ticket": ticket, "articles": articles, "similar": similar, "query": query.strip()}
    # The box asks for the results alone, so what is being typed stays where it is.
    results = request.htmx and request.htmx.target == "kb-panel-results"
    template = "kb/_ticket_suggestion_results.html" if results else "kb/_ticket_suggestions.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@require_POST
@authz.require(selectors.can_edit_articles)
def ticket_solved_with(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = get_object_or_404(authz.tickets_visible_to(request.user), reference=reference)
    item = visible_article(request, request.POST.get("article", ""))
    try:
        services.ticket_solved_with(actor=actor(request), ticket=ticket, article=item)
    except DomainError as error:
        return HttpResponse(error.message, status=error.http_status)
    return render(request, "kb/_solved_with.html", {"ticket": ticket, "article": item})


@require_POST
@authz.require(selectors.can_edit_articles)
def draft_from_ticket(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = get_object_or_404(authz.tickets_visible_to(request.user), reference=reference)
    try:
        item = services.article_from_ticket(actor=actor(request), ticket=ticket)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("kb:manage")
    messages.success(request, _("Draft article created from %(reference)s.") % {"reference": reference})
    return redirect("kb:edit", slug=item.slug)
