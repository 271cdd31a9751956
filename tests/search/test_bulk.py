"""The bulk indexing path (rebuild, generator, importer) writes exactly what the one-at-a-time path writes:
the same rows, the same audiences, the same vocabulary, the same database-side index (PostgreSQL's
generated vectors, SQLite's FTS tables), so searches answer the same. Run on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from escalade.core.actors import Actor
from escalade.kb import services as kb
from escalade.kb.models import ArticleVisibility
from escalade.search import services
from escalade.search.models import SearchAudience, SearchDocument, SearchTerm
from escalade.search.selectors import search
from escalade.search.services import index_article, index_ticket, search_index_tickets, search_rebuild
from escalade.tickets import services as tickets
from escalade.tickets.models import Tag, Ticket
from tests.tickets.factories import CategoryFactory

pytestmark = pytest.mark.django_db

SKIPPED = {"id", "indexed_at"}
QUERIES = [
    "zeppelin", "imprimante", "printer", "quasimodo", "aa:bb:cc", "10.20.30", "mot de passe", "réseau",
    "ESC", "wifi", "carburateur",
]  # fmt: skip


@pytest.fixture
def corpus(world, make_ticket):
    """Tickets with everything a document is made of (replies, notes, solution, tags, category, accents,
    identifiers, a second organisation), and articles with each visibility."""
    category = CategoryFactory.create(name_fr="Réseau et Wi-Fi", name_en="Network and Wi-Fi")
    first = make_ticket(title="Zeppelin imprimante au 2e étage", description="Carte réseau aa:bb:cc:dd:ee:ff")
    tickets.ticket_reply(actor=Actor.of(world.requester_a), ticket=first, body="Toujours bloquée, « hélas ».")
    tickets.ticket_add_note(actor=Actor.of(world.agent_a), ticket=first, body="Note: quasimodo 10.20.30.40")
    tickets.ticket_reply(actor=Actor.of(world.agent_a), ticket=first, body="Mot de passe réinitialisé.")
    Ticket.objects.filter(pk=first.pk).update(category=category, solution="Carburateur remplacé, SN-4711-X")
    first.tags.add(Tag.objects.create(name="zulu"), Tag.objects.create(name="alpha"))
    second = make_ticket(requester=world.requester_b, title="Zeppelin printer " + "très long " * 40)
    third = make_ticket(requester=world.manager_a, title="Wifi", description="")
    articles = [
        kb.article_create(actor=Actor.of(world.agent_a), author=world.agent_a, title="Zeppelin pour tous",
                          body="**Imprimante** : redémarrer."),
        kb.article_create(actor=Actor.of(world.agent_a), author=world.agent_a, title="Zeppelin client B",
                          body="Pour B.", visibility=ArticleVisibility.ORGANISATIONS,
                          organisations=[world.client_b, world.client_a]),
    ]  # fmt: skip
    return {"tickets": [first, second, third], "articles": articles}


@pytest.fixture(params=["statement", "copy"])
def write_path(request, monkeypatch) -> str:
    """PostgreSQL writes a few documents with one statement, many through COPY and a staging table: both
    ways (SQLite has one way; its tests run twice)."""
    if request.param == "copy":
        monkeypatch.setattr("escalade.search.backends.postgres.COPY_FROM", 1)
    return str(request.param)


def snapshot() -> dict[str, Any]:
    """Everything the index holds, by (kind, object id), without row ids and timestamps."""
    documents = {}
    for row in SearchDocument.objects.values():
        documents[row["kind"], row["object_id"]] = {k: v for k, v in row.items() if k not in SKIPPED}
    audiences = sorted(
        SearchAudience.objects.values_list("document__kind", "document__object_id", "organisation_id")
    )
    state: dict[str, Any] = {
        "documents": documents,
        "audiences": audiences,
        "terms": set(SearchTerm.objects.values_list("term", "languages")),
    }
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT kind, object_id, vector::text FROM search_searchdocument")
            state["vectors"] = {(kind, pk): vector for kind, pk, vector in cursor.fetchall()}
        else:  # the FTS tables must hold exactly the content table (raises otherwise)
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES ('integrity-check')")
            cursor.execute(
                "INSERT INTO search_fts_identifiers(search_fts_identifiers) VALUES ('integrity-check')"
            )
    return state


def answers(world) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """What each of three readers finds for each query (keys, titles and snippets, in order)."""
    return {
        (role, query): [
            (hit.key, hit.title, hit.snippet) for hit in search(query=query, user=world.person(role))
        ]
        for role in ("requester_a", "agent_a", "supervisor")
        for query in QUERIES
    }


def index_one_at_a_time(corpus) -> None:
    for ticket in corpus["tickets"]:
        index_ticket(ticket.pk)
    for article in corpus["articles"]:
        index_article(article.pk)


def clear() -> None:
    SearchDocument.objects.all().delete()
    SearchTerm.objects.all().delete()


def test_the_bulk_path_writes_exactly_what_the_single_path_writes(world, corpus, write_path):
    index_one_at_a_time(corpus)
    single, single_answers = snapshot(), answers(world)
    clear()

    written = search_index_tickets(ticket_ids=[ticket.pk for ticket in corpus["tickets"]], batch=2)
    for article in corpus["articles"]:
        index_article(article.pk)

    assert written == 3
    assert snapshot() == single
    assert answers(world) == single_answers
    assert single["audiences"] == sorted(
        [("article", corpus["articles"][1].pk, world.client_a.pk), ("article", corpus["articles"][1].pk,
                                                                     world.client_b.pk)]
    )  # fmt: skip
    words = {term for term, _languages in single["terms"]}
    assert {"zeppelin", "carburateur", "reseau", "toujours"} <= words
    assert "quasimodo" not in words  # internal notes never feed the vocabulary


def test_rebuild_writes_exactly_what_the_single_path_writes_and_reports_each_batch(
    world, corpus, monkeypatch
):
    index_one_at_a_time(corpus)
    single, single_answers = snapshot(), answers(world)
    monkeypatch.setattr(services, "INDEX_BATCH", 2)
    calls: list[tuple[int, int]] = []

    total = search_rebuild(progress=lambda done, total: calls.append((done, total)))

    assert total == 5
    assert calls == [(2, 5), (3, 5), (5, 5)]  # two ticket batches, then the articles
    assert snapshot() == single
    assert answers(world) == single_answers


def test_reindexing_in_bulk_updates_in_place_and_drops_deleted_tickets(world, corpus, write_path):
    # Both re-indexings run in the test's transaction: the staging table is emptied after each use.
    ids = [ticket.pk for ticket in corpus["tickets"]]
    search_index_tickets(ticket_ids=ids)
    first, _second, third = corpus["tickets"]
    tickets.ticket_reply(actor=Actor.of(world.agent_a), ticket=first, body="Diagnostic: xylophone")
    Ticket.objects.filter(pk=third.pk).delete()
    before = dict(SearchDocument.objects.filter(kind="ticket").values_list("object_id", "pk"))

    search_index_tickets(ticket_ids=ids)
    search_index_tickets(ticket_ids=ids)

    after = dict(SearchDocument.objects.filter(kind="ticket").values_list("object_id", "pk"))
    assert after == {pk: before[pk] for pk in ids if pk != third.pk}  # updated in place, not re-created
    bulk = snapshot()["documents"]
    clear()
    index_ticket(first.pk)
    assert snapshot()["documents"][("ticket", first.pk)] == bulk["ticket", first.pk]
    assert [hit.key for hit in search(query="xylophone", user=world.requester_a)] == [first.reference]


@pytest.mark.parametrize(
    ("role", "found"),
    [("requester_a", {"a"}), ("manager_a", {"a", "a_manager"}), ("requester_b", {"b"}),
     ("agent_a", {"a", "a_manager"}), ("agent_b", {"b"}), ("supervisor", {"a", "a_manager", "b"})],
)  # fmt: skip
def test_permissions_still_filter_documents_written_in_bulk(world, corpus, role, found):
    search_index_tickets(ticket_ids=[ticket.pk for ticket in corpus["tickets"]])
    first, second, third = corpus["tickets"]
    third.title = "Zeppelin"
    third.save(update_fields=["title"])
    search_index_tickets(ticket_ids=[third.pk])
    names = {first.reference: "a", second.reference: "b", third.reference: "a_manager"}

    hits = search(query="zeppelin", user=world.person(role), types=["ticket"])

    assert {names[hit.key] for hit in hits} == found
    private = search(query="quasimodo", user=world.person(role))
    assert [hit.key for hit in private] == ([first.reference] if role in {"agent_a", "supervisor"} else [])
