"""What goes into the index for a ticket and for an article (the text, and the facts permissions need)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from escalade.kb.markdown import plain_text
from escalade.kb.models import Article, ArticleVisibility
from escalade.search.models import DocumentKind, Visibility
from escalade.search.text import identifiers
from escalade.tickets.choices import FollowUpKind
from escalade.tickets.models import Ticket


@dataclass
class Document:
    """One row of the index, before it is written."""

    kind: str
    object_id: int
    key: str
    title: str
    state: str
    created_at: datetime
    keywords: str = ""
    body: str = ""
    private_body: str = ""
    language: str = ""
    group_key: str = ""
    organisation_id: int | None = None
    requester_id: int | None = None
    visibility: str = Visibility.TICKET
    audience: list[int] = field(default_factory=list)

    def fields(self) -> dict[str, object]:
        return {
            "key": self.key, "group_key": self.group_key, "organisation_id": self.organisation_id,
            "requester_id": self.requester_id, "visibility": self.visibility, "state": self.state,
            "language": self.language, "title": self.title[:255], "keywords": self.keywords,
            "body": self.body, "private_body": self.private_body, "created_at": self.created_at,
            "identifiers": identifiers(f"{self.key} {self.title} {self.keywords} {self.body}"),
            "private_identifiers": identifiers(self.private_body),
        }  # fmt: skip


def ticket_document(ticket: Ticket) -> Document:
    """A ticket: title; reference, category and tags as keywords; description, public replies and the
    solution as text; internal notes as private text."""
    public: list[str] = [ticket.description]
    private: list[str] = []
    for followup in ticket.followups.order_by("id"):
        (public if followup.kind == FollowUpKind.REPLY else private).append(followup.body)
    if ticket.solution:
        public.append(ticket.solution)
    category = ticket.category
    keywords = [ticket.reference, *(tag.name for tag in ticket.tags.all())]
    if category is not None:
        keywords += [category.name_fr, category.name_en]
    return Document(
        kind=DocumentKind.TICKET, object_id=ticket.pk, key=ticket.reference, title=ticket.title,
        state=ticket.state, created_at=ticket.created_at, keywords=" ".join(keywords),
        body="\n".join(public), private_body="\n".join(private),
        organisation_id=ticket.organisation_id, requester_id=ticket.requester_id,
    )  # fmt: skip


ARTICLE_VISIBILITY = {
    ArticleVisibility.AGENTS: Visibility.AGENTS,
    ArticleVisibility.EVERYONE: Visibility.EVERYONE,
    ArticleVisibility.ORGANISATIONS: Visibility.ORGANISATIONS,
}


def article_document(article: Article) -> Document:
    """An article: title; category and tags as keywords; the Markdown body as plain text."""
    keywords = [tag.name.replace("-", " ") for tag in article.tags.all()]
    if article.category is not None:
        keywords += [article.category.name_fr, article.category.name_en]
    return Document(
        kind=DocumentKind.ARTICLE, object_id=article.pk, key=article.slug, title=article.title,
        state=article.state, created_at=article.created_at, keywords=" ".join(keywords),
        body=plain_text(article.body), language=article.language, group_key=str(article.translation_group),
        visibility=ARTICLE_VISIBILITY[ArticleVisibility(article.visibility)],
        audience=list(article.organisations.values_list("pk", flat=True)),
    )  # fmt: skip
