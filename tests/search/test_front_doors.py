"""Issue 23, knowledge-base search: the right article first, "nothing found" when it is so.

The quality bars run the harder evaluation set (``benchmarks/search_eval_hard.jsonl``: queries written
apart from the articles, 23 % that nothing answers) on the suite's database; the other tests pin each
class of the issue with queries and documents of their own.
"""

from __future__ import annotations

import pytest
from benchmarks.search_eval import HARD_SET, evaluate_hard, evaluation_set
from django.urls import reverse

from escalade.core.actors import Actor
from escalade.search.backends import SearchFilters, backend
from escalade.search.models import SearchTerm
from escalade.search.selectors import search
from escalade.search.services import index_ticket
from escalade.search.text import parse_query
from escalade.tickets.services import ticket_create, ticket_resolve
from tests.accounts.factories import UserFactory
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db
VPN_QUERY = "Je n'arrive plus à me connecter au VPN depuis chez moi"


@pytest.fixture
def readers(world):
    english = UserFactory.create(email="en@a.example", organisation=world.client_a, language="en")
    return {"fr": world.requester_a, "en": english}


def test_the_hard_set_is_large_with_a_fifth_that_nothing_answers():
    cases = evaluation_set(HARD_SET)
    negatives = [case for case in cases if not case["expected"]]
    assert len(cases) >= 300
    assert len(negatives) / len(cases) >= 0.2
    assert {case["kind"] for case in cases} >= {"typo", "accents", "jargon", "cross", "identifier", "long"}


def test_the_hard_set_meets_the_issue_bars(demo_kb, readers):
    report = evaluate_hard(readers)
    answerable, kinds = report.answerable, report.kinds
    detail = report.summary() + f"\nmisses: {report.misses}"
    assert answerable.first / answerable.queries >= 0.9, detail
    assert kinds["typo"].first / kinds["typo"].queries >= 0.9, detail
    assert kinds["cross"].five / kinds["cross"].queries >= 0.8, detail
    assert kinds["negative"].rejected / kinds["negative"].queries >= 0.7, detail


def test_the_demo_vpn_question_gets_the_vpn_article_and_no_noise(demo_kb, readers):
    hits = search(query=VPN_QUERY, user=readers["fr"], types=["article"])
    assert [hit.key for hit in hits] == ["vpn-connexion"]
    assert "<mark>depuis" not in hits[0].snippet.lower()
    assert "<mark>chez" not in hits[0].snippet.lower()


def test_everyday_words_are_not_evidence():
    terms = [term.word for term in parse_query(VPN_QUERY).terms]
    assert terms == ["chez moi", "connecter", "vpn"]  # "chez moi" stands for working from home
    assert parse_query("bonjour, toujours le même problème depuis hier, merci").is_empty


def test_a_question_the_knowledge_base_does_not_cover_gets_no_article(demo_kb, readers):
    assert search(query="la machine à café est en panne", user=readers["fr"], types=["article"]) == []
    assert search(query="order business cards", user=readers["en"], types=["article"]) == []


def test_the_portal_offers_to_open_a_request_when_no_article_answers(client, demo_kb, readers):
    client.force_login(readers["fr"])
    response = client.get(reverse("kb:search"), {"q": "réserver une place de parking visiteur"})
    assert response.context["hits"] == []
    assert reverse("portal:new_ticket") in response.content.decode()


def test_a_reader_gets_the_version_in_their_language_when_it_answers(demo_kb, readers):
    french = search(query="password reset", user=readers["fr"], types=["article"])
    english = search(query="mot de passe oublié", user=readers["en"], types=["article"])
    assert (french[0].key, french[0].language) == ("mot-de-passe-oublie", "fr")
    assert (english[0].key, english[0].language) == ("forgotten-password", "en")


def test_spelling_corrections_do_not_depend_on_the_process(world):
    SearchTerm.objects.bulk_create([SearchTerm(term=word) for word in ("tableauy", "tableaux", "tableaua")])
    assert backend().corrections("tableauz") == ["tableaua", "tableaux"]  # equally close: alphabetical


def test_short_words_and_short_plurals_are_kept():
    assert [term.word for term in parse_query("PC no IP").terms] == ["pc", "ip"]
    cles = parse_query("clés").terms[0]
    assert ("cle",) in cles.alternatives


def test_a_long_description_is_accepted_and_answered(client, demo_kb, readers):
    description = (
        "Bonjour, depuis lundi je travaille depuis chez moi et le VPN GlobalProtect tourne sans fin sans "
        "jamais se connecter, du coup je n'ai plus accès aux lecteurs réseau ni à l'intranet. "
    ) * 4
    assert len(description) > 600
    response = Api(client=client).get("/api/kb/search", readers["fr"], q=description)
    assert response.status_code == 200
    assert response.json()[0]["key"] == "vpn-connexion"


def test_desk_search_finds_requester_names_plurals_and_resolved_tickets(world):
    agent = Actor.of(world.agent_a)
    ticket = ticket_create(
        actor=agent, requester=world.requester_a, title="Clé USB chiffrée refusée", description="Sur le poste"
    )
    ticket_resolve(
        actor=agent, ticket=ticket, resolution_code="solved", solution="Clé autorisée dans la console."
    )
    index_ticket(ticket.pk)
    name = world.requester_a.full_name
    by_name = search(query=name, user=world.agent_a, types=["ticket"])
    assert ticket.reference in [hit.key for hit in by_name]
    plural = search(query="clés", user=world.agent_a, types=["ticket"])
    assert [hit.key for hit in plural] == [ticket.reference]
    resolved = search(
        query="clé", user=world.agent_a, types=["ticket"], filters=SearchFilters(state="resolved")
    )
    assert [hit.key for hit in resolved] == [ticket.reference]


def test_the_bilingual_vocabulary_finds_an_article_written_in_one_language_only(world, readers):
    from escalade.kb import services as kb

    author = Actor.of(world.agent_a)
    article = kb.article_create(
        actor=author, author=world.agent_a, title="Imprimante à badge : libérer ses impressions",
        body="Passez votre badge sur le lecteur de l'imprimante pour libérer vos impressions en attente.",
        language="fr", slug="imprimante-badge",
    )  # fmt: skip
    kb.article_submit_for_review(actor=author, article=article)
    kb.article_approve(actor=Actor.of(world.supervisor), article=article)
    hits = search(query="printer badge", user=readers["en"], types=["article"])
    assert [(hit.key, hit.language) for hit in hits] == [("imprimante-badge", "fr")]
