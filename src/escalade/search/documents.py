"""What goes into the index for a ticket and for an article (the text, and the facts permissions need)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from escalade.kb.markdown import plain_text
from escalade.kb.models import Article, ArticleVisibility
from escalade.search.models import DocumentKind, Visibility
from escalade.search.text import identifiers
from escalade.tickets.choices import FollowUpKind
from escalade.tickets.models import FollowUp, Ticket


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


class TicketFacts(NamedTuple):
    """The ticket's own fields a document is made of (its category's names: None without one)."""

    pk: int
    reference: str
    title: str
    state: str
    created_at: datetime
    description: str
    solution: str
    organisation_id: int | None
    requester_id: int | None
    category_fr: str | None
    category_en: str | None
    requester_name: str | None = None  # found by the desk's search ("tickets of Mme Lefèvre")


FACTS = (
    "pk", "reference", "title", "state", "created_at", "description", "solution", "organisation_id",
    "requester_id", "category__name_fr", "category__name_en", "requester__full_name",
)  # fmt: skip


def ticket_document(ticket: Ticket) -> Document:
    """A ticket: title; reference, category, tags and the requester's name as keywords; description,
    public replies and the solution as text; internal notes as private text."""
    category = ticket.category
    facts = TicketFacts(
        ticket.pk, ticket.reference, ticket.title, ticket.state, ticket.created_at, ticket.description,
        ticket.solution, ticket.organisation_id, ticket.requester_id,
        category.name_fr if category else None, category.name_en if category else None,
        ticket.requester.full_name if ticket.requester_id else None,
    )  # fmt: skip
    followups = list(ticket.followups.order_by("id").values_list("kind", "body"))
    return build_ticket_document(facts, followups=followups, tags=[tag.name for tag in ticket.tags.all()])


def ticket_documents(ticket_ids: Sequence[int]) -> list[Document]:
    """The documents of many tickets in three queries (tickets, follow-ups, tags; rows, not model
    instances), in id order; ids of tickets that no longer exist are left out."""
    followups: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = FollowUp.objects.filter(ticket_id__in=ticket_ids).order_by("ticket_id", "id")
    for ticket_id, kind, body in rows.values_list("ticket_id", "kind", "body"):
        followups[ticket_id].append((kind, body))
    tags: dict[int, list[str]] = defaultdict(list)
    links = Ticket.tags.through.objects.filter(ticket_id__in=ticket_ids).order_by("tag__name")
    for ticket_id, name in links.values_list("ticket_id", "tag__name"):
        tags[ticket_id].append(name)
    tickets = Ticket.objects.filter(pk__in=ticket_ids).order_by("pk").values_list(*FACTS)
    return [
        build_ticket_document(facts, followups=followups[facts.pk], tags=tags[facts.pk])
        for facts in map(TicketFacts._make, tickets)
    ]


def build_ticket_document(
    ticket: TicketFacts, *, followups: Sequence[tuple[str, str]], tags: Sequence[str]
) -> Document:
    """The document of ``ticket`` from its follow-ups (``(kind, body)`` in id order) and tag names (in
    name order): the one recipe behind both the single and the bulk path."""
    public: list[str] = [ticket.description]
    private: list[str] = []
    for kind, body in followups:
        (public if kind == FollowUpKind.REPLY else private).append(body)
    if ticket.solution:
        public.append(ticket.solution)
    keywords = [ticket.reference, *tags]
    if ticket.category_fr is not None and ticket.category_en is not None:
        keywords += [ticket.category_fr, ticket.category_en]
    if ticket.requester_name:
        keywords.append(ticket.requester_name)
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
