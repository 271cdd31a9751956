"""Knowledge base and search endpoints: list, read and search articles; search everything visible.

Reads start from ``articles_visible_to`` / the search permission filter: an article the caller may not
read is a 404 identical to a missing one.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from escalade import authz
from escalade.api.auth import caller
from escalade.core.errors import NotFoundError
from escalade.kb.markdown import render
from escalade.kb.models import Article
from escalade.search.backends import Hit, SearchFilters
from escalade.search.selectors import search
from escalade.search.text import QUERY_LENGTH

router = Router(tags=["knowledge base"])


class ArticleSummaryOut(Schema):
    slug: str
    language: str
    title: str
    state: str
    visibility: str
    category_id: int | None
    updated_at: datetime


class ArticleOut(ArticleSummaryOut):
    body: str
    html: str
    translations: list[str]
    view_count: int
    helpful_count: int
    not_helpful_count: int


class ArticleListIn(Schema):
    language: Literal["fr", "en"] | None = None
    category_id: int | None = None
    state: str | None = None
    limit: int = Field(50, ge=1, le=100)


class HitOut(Schema):
    type: str
    id: int
    key: str
    title: str
    snippet: str = Field(description="HTML: the text escaped, matches wrapped in <mark>.")
    score: float
    state: str
    language: str
    created_at: datetime


class SearchIn(Schema):
    q: str = Field(..., min_length=1, max_length=QUERY_LENGTH)  # a paragraph typed in the portal
    types: list[Literal["ticket", "article"]] = Field(default_factory=list)
    organisation_id: int | None = None
    state: str = ""
    since: date | None = None
    until: date | None = None
    limit: int = Field(20, ge=1, le=50)


def _summary(article: Article) -> dict[str, object]:
    return {
        "slug": article.slug, "language": article.language, "title": article.title,
        "state": article.state, "visibility": article.visibility, "category_id": article.category_id,
        "updated_at": article.updated_at,
    }  # fmt: skip


def _hits(hits: list[Hit]) -> list[dict[str, object]]:
    return [hit.__dict__ for hit in hits]


@router.get("/kb/articles", response=list[ArticleSummaryOut], summary="List the articles you may read")
def kb_article_list(request: HttpRequest, filters: Query[ArticleListIn]) -> list[dict[str, object]]:
    articles = authz.articles_visible_to(caller(request)).order_by("title", "pk")
    if filters.language:
        articles = articles.filter(language=filters.language)
    if filters.category_id is not None:
        articles = articles.filter(category_id=filters.category_id)
    if filters.state:
        articles = articles.filter(state=filters.state)
    return [_summary(article) for article in articles[: filters.limit]]


@router.get("/kb/articles/{slug}", response=ArticleOut, summary="Read an article")
def kb_article_read(request: HttpRequest, slug: str) -> dict[str, object]:
    user = caller(request)
    article = authz.articles_visible_to(user).filter(slug=slug).first()
    if article is None:
        raise NotFoundError(_("No such article."))
    translations = authz.articles_visible_to(user).filter(translation_group=article.translation_group)
    return {
        **_summary(article), "body": article.body, "html": str(render(article.body)),
        "translations": list(translations.exclude(pk=article.pk).values_list("slug", flat=True)),
        "view_count": article.view_count, "helpful_count": article.helpful_count,
        "not_helpful_count": article.not_helpful_count,
    }  # fmt: skip


class ArticleSearchIn(Schema):
    q: str = Field(..., min_length=1, max_length=QUERY_LENGTH)  # a paragraph typed in the portal
    limit: int = Field(10, ge=1, le=50)


@router.get("/kb/search", response=list[HitOut], summary="Search the articles you may read")
def kb_search(request: HttpRequest, filters: Query[ArticleSearchIn]) -> list[dict[str, object]]:
    hits = search(query=filters.q, user=caller(request), types=["article"], limit=filters.limit)
    return _hits(hits)


@router.get("/search", response=list[HitOut], summary="Search tickets and articles you may see")
def search_all(request: HttpRequest, filters: Query[SearchIn]) -> list[dict[str, object]]:
    scope = SearchFilters(
        organisation_id=filters.organisation_id, state=filters.state, since=filters.since, until=filters.until
    )
    hits = search(
        query=filters.q, user=caller(request), types=filters.types, filters=scope, limit=filters.limit
    )
    return _hits(hits)
