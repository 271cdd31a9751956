"""Spelling corrections stay in the query's language (issue 23): a French query is corrected into French
words, an English one into English words, and the reader's language only breaks a tie."""

from __future__ import annotations

import pytest

from escalade.core.actors import Actor
from escalade.kb import services as kb
from escalade.search.backends import backend
from escalade.search.language import ENGLISH, FRENCH, UNSPECIFIED, QueryLanguage, query_language
from escalade.search.models import SearchTerm
from escalade.search.services import index_ticket
from escalade.search.text import parse_query
from escalade.tickets.services import ticket_create

FRENCH_QUERY, ENGLISH_QUERY = QueryLanguage("fr", certain=True), QueryLanguage("en", certain=True)


def test_a_query_says_its_language_through_its_small_words():
    assert query_language("la connexion ne marche pas", known={}, reader="en") == FRENCH_QUERY
    assert query_language("the printer is jammed", known={}, reader="fr") == ENGLISH_QUERY


def test_without_small_words_the_known_words_decide_then_the_reader():
    known = {"imprimante": FRENCH, "bourrage": FRENCH, "toner": FRENCH | ENGLISH}
    assert query_language("imprimante bourrage toner", known=known, reader="en") == FRENCH_QUERY
    assert query_language("toner vpn", known={"toner": FRENCH | ENGLISH}, reader="en") == QueryLanguage(
        "en", certain=False
    )


def test_a_certain_language_keeps_only_its_own_corrections_and_words_of_no_language():
    found = [("connection", ENGLISH), ("connexions", FRENCH), ("connecteur", UNSPECIFIED)]
    assert QueryLanguage("fr", certain=True).choose(found) == ["connexions", "connecteur"]
    assert QueryLanguage("en", certain=True).choose(found) == ["connection", "connecteur"]
    assert QueryLanguage("fr", certain=False).choose(found[:2]) == ["connexions", "connection"]


def _publish(world, *, title: str, body: str, language: str, slug: str) -> None:
    author = Actor.of(world.agent_a)
    article = kb.article_create(
        actor=author, author=world.agent_a, title=title, body=body, language=language, slug=slug
    )
    kb.article_submit_for_review(actor=author, article=article)
    kb.article_approve(actor=Actor.of(world.supervisor), article=article)


@pytest.mark.django_db
def test_the_vocabulary_remembers_which_languages_each_word_comes_from(world):
    _publish(world, title="Connexion Wi-Fi impossible", body="Le portail captif bloque la connexion.",
             language="fr", slug="wifi-fr")  # fmt: skip
    _publish(world, title="Wi-Fi connection fails", body="The captive portal blocks the connection.",
             language="en", slug="wifi-en")  # fmt: skip
    ticket = ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a,
                           title="Portail captif en boucle", description="")  # fmt: skip
    index_ticket(ticket.pk)
    languages = dict(SearchTerm.objects.values_list("term", "languages"))
    assert languages["connexion"] == FRENCH
    assert languages["connection"] == ENGLISH
    assert languages["portal"] == ENGLISH
    assert languages["captive"] == ENGLISH
    assert languages["captif"] == FRENCH | UNSPECIFIED  # in the French article and in a ticket
    assert languages["boucle"] == UNSPECIFIED


@pytest.mark.django_db
def test_a_french_query_is_corrected_into_french_and_an_english_one_into_english(world):
    _publish(world, title="Connexion au VPN", body="Vérifiez la connexion Internet avant de lancer le VPN.",
             language="fr", slug="vpn-fr")  # fmt: skip
    _publish(world, title="VPN connection", body="Check the Internet connection before starting the VPN.",
             language="en", slug="vpn-en")  # fmt: skip

    # "connexon" is close to both "connexion" and "connection": the query's language decides
    french, english = parse_query("la connexon ne marche pas"), parse_query("the connexon drops")
    backend().correct(french, language="en")  # an English reader writing in French
    backend().correct(english, language="fr")

    assert [term.stems for term in french.terms if term.word == "connexon"] == [{"connexon", "connexion"}]
    assert [term.stems for term in english.terms if term.word == "connexon"] == [{"connexon", "connection"}]
    assert sorted(term for term, _bits in backend().nearby("connexon")) == ["connection", "connexion"]


@pytest.mark.django_db
def test_corrections_are_the_same_in_every_process_and_on_both_databases(world):
    SearchTerm.objects.bulk_create(
        [SearchTerm(term=word, languages=FRENCH) for word in ("tableauy", "tableaux", "tableaua")]
    )
    french = QueryLanguage("fr", certain=True)
    assert backend().corrections("tableauz", language=french) == ["tableaua", "tableaux"]
