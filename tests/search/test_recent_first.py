"""PostgreSQL reads a reader's most recent tickets first (a bounded window), and searches older tickets
only when the window holds too few matching every term: shrunk here to a few tickets, the window must
neither hide an older ticket matching every term, nor a rare word, nor articles, nor leak across
permissions."""

from __future__ import annotations

import datetime as dt

import pytest

from escalade.core.actors import Actor
from escalade.kb import services as kb
from escalade.search.backends import postgres
from escalade.search.selectors import search
from escalade.search.services import index_article, search_index_tickets
from tests.tickets.conftest import TUESDAY_10H

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_window(on_postgres, monkeypatch):
    if not on_postgres:
        pytest.skip("the window is the PostgreSQL backend's")
    monkeypatch.setattr(postgres, "WINDOW", 3)
    monkeypatch.setattr(postgres, "RARE", 1)  # "zeppelin" is common there: only rarer words go to GIN
    monkeypatch.setattr(postgres, "POOL", 3)


@pytest.fixture
def history(world, make_ticket):
    """Eight tickets of client A, a day apart, the oldest first; the oldest holds rare words."""
    titles = ["Zeppelin carburateur", *(f"Zeppelin numéro {n}" for n in range(6)), "Zeppelin récent"]
    made = [
        make_ticket(title=title, moment=TUESDAY_10H + dt.timedelta(days=day))
        for day, title in enumerate(titles)
    ]
    search_index_tickets(ticket_ids=[ticket.pk for ticket in made])
    return made


def keys(hits):
    return [hit.key for hit in hits]


def test_a_common_word_ranks_the_most_recent_tickets_only(world, history):
    hits = search(query="zeppelin", user=world.agent_a, limit=50)
    assert set(keys(hits)) == {ticket.reference for ticket in history[-3:]}  # the window, then the pool


def test_an_older_ticket_matching_every_term_is_found_beyond_the_window(world, history):
    hits = search(query="zeppelin carburateur", user=world.agent_a)
    assert keys(hits)[0] == history[0].reference


def test_a_rare_word_is_found_beyond_the_window(world, history):
    assert keys(search(query="carburateur", user=world.requester_a)) == [history[0].reference]


def test_rare_words_missing_from_the_window_are_found_together_or_alone(world, history, make_ticket):
    older = make_ticket(title="Quasimodo", moment=TUESDAY_10H - dt.timedelta(days=1))
    search_index_tickets(ticket_ids=[older.pk])
    hits = keys(search(query="carburateur quasimodo", user=world.agent_a))
    assert set(hits) == {history[0].reference, older.reference}  # neither holds both words


def test_articles_are_not_crowded_out_by_recent_tickets(world, history):
    article = kb.article_create(
        actor=Actor.of(world.agent_a), author=world.agent_a, title="Zeppelin: la procédure", body="Texte."
    )
    index_article(article.pk)
    assert article.slug in keys(search(query="zeppelin", user=world.agent_a, limit=50))


def test_the_window_is_the_readers_own(world, history, make_ticket):
    other = make_ticket(requester=world.requester_b, title="Zeppelin chez B",
                        moment=TUESDAY_10H + dt.timedelta(days=30))  # fmt: skip
    search_index_tickets(ticket_ids=[other.pk])
    assert keys(search(query="zeppelin", user=world.requester_b)) == [other.reference]
    assert other.reference not in keys(search(query="zeppelin", user=world.agent_a, limit=50))
    assert set(keys(search(query="zeppelin", user=world.requester_a))) == {t.reference for t in history[-3:]}


def test_a_burst_of_new_tickets_does_not_send_a_frequent_word_to_the_gin_indexes(
    world, history, make_ticket, monkeypatch
):
    burst = [
        make_ticket(title="Alerte supervision", moment=TUESDAY_10H + dt.timedelta(days=20, minutes=n))
        for n in range(5)
    ]
    search_index_tickets(ticket_ids=[ticket.pk for ticket in burst])  # the window and two more
    monkeypatch.setattr(postgres, "INDEXABLE", 0)  # the index's statistics call every word frequent
    monkeypatch.setattr(postgres, "DEEPER", 2)  # the 2 tickets that precede the burst by an hour

    hits = keys(search(query="zeppelin", user=world.agent_a, limit=50))

    assert {history[-1].reference, history[-2].reference} <= set(hits)  # behind the burst, newest first
    assert history[-3].reference not in hits  # beyond the slice: a frequent word is not looked for there
    monkeypatch.setattr(postgres, "INDEXABLE", 50_000)  # rare in the whole index: the GIN indexes
    assert keys(search(query="carburateur", user=world.agent_a)) == [history[0].reference]
