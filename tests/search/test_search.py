"""Search behaviour on whichever database runs the suite (run it on both): permissions inside the query,
private notes, identifiers, typos, snippets, and the index following the services."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from escalade.core.actors import Actor
from escalade.kb import services as kb
from escalade.kb.models import ArticleVisibility
from escalade.search.backends import SearchFilters
from escalade.search.models import SearchDocument
from escalade.search.selectors import search
from escalade.search.services import index_ticket, search_index_ticket_on_commit
from escalade.tickets import services as tickets

pytestmark = pytest.mark.django_db

ROLES = [
    "requester_a", "requester_a2", "manager_a", "requester_b", "manager_b", "agent_a", "agent_b",
    "supervisor", "administrator",
]  # fmt: skip
SYSTEM = Actor.system("tests")


def _publish(world, title, body, **fields):
    article = kb.article_create(
        actor=Actor.of(world.agent_a), author=world.agent_a, title=title, body=body, **fields
    )
    kb.article_submit_for_review(actor=Actor.of(world.agent_a), article=article)
    return kb.article_approve(actor=Actor.of(world.supervisor), article=article)


@pytest.fixture
def scene(world, make_ticket):
    """Client A's and client B's tickets and four articles, all mentioning "zeppelin"."""
    ticket_a = make_ticket(title="Zeppelin imprimante", description="Carte réseau aa:bb:cc:dd:ee:ff")
    ticket_b = make_ticket(requester=world.requester_b, title="Zeppelin printer")
    tickets.ticket_add_note(
        actor=Actor.of(world.agent_a), ticket=ticket_a, body="Note interne: quasimodo 10.20.30.40"
    )
    for ticket in (ticket_a, ticket_b):
        index_ticket(ticket.pk)
    articles = {
        "everyone": _publish(world, "Zeppelin for everyone", "Public answer."),
        "agents": _publish(world, "Zeppelin internal", "Agents only.", visibility=ArticleVisibility.AGENTS),
        "org_b": _publish(world, "Zeppelin client B", "For B.", visibility=ArticleVisibility.ORGANISATIONS,
                          organisations=[world.client_b]),
        "draft": kb.article_create(actor=Actor.of(world.agent_a), author=world.agent_a,
                                   title="Zeppelin draft", body="Not yet."),
    }  # fmt: skip
    return {"a": ticket_a, "b": ticket_b, **articles}


def keys(hits):
    return {hit.key for hit in hits}


EXPECTED = {
    "requester_a": {"a", "everyone"},
    "requester_a2": {"everyone"},
    "manager_a": {"a", "everyone"},
    "requester_b": {"b", "everyone", "org_b"},
    "manager_b": {"b", "everyone", "org_b"},
    "agent_a": {"a", "everyone", "agents", "org_b", "draft"},
    "agent_b": {"b", "everyone", "agents", "org_b", "draft"},
    "supervisor": {"a", "b", "everyone", "agents", "org_b", "draft"},
    "administrator": {"a", "b", "everyone", "agents", "org_b", "draft"},
}


def _key(obj):
    return getattr(obj, "reference", None) or obj.slug


@pytest.mark.parametrize("role", ROLES)
def test_each_role_finds_exactly_what_it_may_see(world, scene, role):
    hits = search(query="zeppelin", user=world.person(role))
    assert keys(hits) == {_key(scene[name]) for name in EXPECTED[role]}


def test_anonymous_finds_nothing(scene):
    from django.contrib.auth.models import AnonymousUser

    assert search(query="zeppelin", user=AnonymousUser()) == []


@pytest.mark.parametrize(("role", "found"), [("requester_a", False), ("manager_a", False), ("agent_a", True)])
def test_internal_notes_are_searched_for_staff_only(world, scene, role, found):
    hits = search(query="quasimodo", user=world.person(role))
    assert keys(hits) == ({scene["a"].reference} if found else set())
    hits = search(query="zeppelin", user=world.person(role), types=["ticket"])
    assert all("quasimodo" not in hit.snippet for hit in hits) or found


@pytest.mark.parametrize("fragment", ["AA:BB:CC", "bb:cc:dd", "ccddee", "cc-dd-ee"])
def test_an_agent_finds_a_ticket_by_a_mac_address_fragment(world, scene, fragment):
    hits = search(query=fragment, user=world.agent_a, types=["ticket"])
    assert [hit.key for hit in hits] == [scene["a"].reference]
    assert "<mark>" in hits[0].snippet


def test_an_ip_address_in_a_note_is_found_by_staff_only(world, scene):
    assert keys(search(query="10.20.30", user=world.agent_a)) == {scene["a"].reference}
    assert search(query="10.20.30", user=world.requester_a) == []


def test_a_ticket_reference_finds_the_ticket(world, scene):
    assert search(query=scene["a"].reference, user=world.agent_a)[0].key == scene["a"].reference


def test_a_requester_typing_with_a_typo_finds_the_password_article(world, demo_kb):
    hits = search(query="mot de pase oublié", user=world.requester_a)
    assert hits[0].key == "mot-de-passe-oublie"


def test_an_english_reader_gets_the_english_version_of_a_translated_article(world, demo_kb):
    hits = search(query="VPN GlobalProtect", user=world.requester_b)
    assert hits[0].key == "vpn-connection"
    assert "vpn-connexion" not in keys(hits)


def test_snippets_are_escaped_then_highlighted(world, make_ticket):
    ticket = make_ticket(title="Balise", description="Attention <script>alert(1)</script> zorglub ici.")
    index_ticket(ticket.pk)
    [hit] = search(query="zorglub", user=world.requester_a)
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet
    assert "<mark>zorglub</mark>" in hit.snippet


def test_filters_by_type_state_and_organisation(world, scene):
    assert keys(search(query="zeppelin", user=world.supervisor, types=["ticket"])) == {
        scene["a"].reference, scene["b"].reference,
    }  # fmt: skip
    only_b = SearchFilters(organisation_id=world.client_b.pk)
    assert keys(search(query="zeppelin", user=world.supervisor, filters=only_b)) == {scene["b"].reference}
    drafts = SearchFilters(state="draft")
    assert keys(search(query="zeppelin", user=world.supervisor, filters=drafts)) == {scene["draft"].slug}


def test_an_archived_article_is_no_longer_found_by_requesters(world, scene):
    kb.article_archive(actor=Actor.of(world.agent_a), article=scene["everyone"])
    assert keys(search(query="zeppelin", user=world.requester_a)) == {scene["a"].reference}


def test_reindexing_on_commit_picks_up_a_reply(world, make_ticket, django_capture_on_commit_callbacks):
    ticket = make_ticket(title="Écran noir")
    with django_capture_on_commit_callbacks(execute=True):
        tickets.ticket_reply(actor=Actor.of(world.requester_a), ticket=ticket, body="Toujours xylophone")
        search_index_ticket_on_commit(ticket)
    assert keys(search(query="xylophone", user=world.requester_a)) == {ticket.reference}


def test_a_deleted_ticket_leaves_the_index(world, scene):
    scene["b"].followups.all().delete()
    reference = scene["b"].reference
    pk = scene["b"].pk
    from escalade.tickets.models import Ticket

    Ticket.objects.filter(pk=pk).update(merged_into=None)
    SearchDocument.objects.filter(object_id=pk, kind="ticket").delete()
    index_ticket(pk)  # the ticket still exists: it comes back
    assert reference in keys(search(query="zeppelin", user=world.supervisor))


def test_rebuild_command_reindexes_everything(world, scene, capsys):
    SearchDocument.objects.all().delete()
    call_command("search_rebuild")
    assert SearchDocument.objects.count() == 6
    assert "6 documents indexed." in capsys.readouterr().out
    assert keys(search(query="zeppelin", user=world.requester_a)) == {
        scene["a"].reference,
        scene["everyone"].slug,
    }


def test_empty_and_stop_word_queries_find_nothing(world, scene):
    assert search(query="", user=world.supervisor) == []
    assert search(query="le la de", user=world.supervisor) == []
