"""What each role reads: lists hold only what ``authz`` lets them see, and requesters never get
internal notes or internal files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from escalade.core.actors import Actor
from escalade.sla.models import SlaPolicy
from escalade.tickets import services
from tests.tickets.factories import CategoryFactory, ContractFactory

pytestmark = pytest.mark.django_db

ROLES = [
    "requester_a", "requester_a2", "manager_a", "requester_b", "manager_b", "agent_a", "agent_b",
    "supervisor", "administrator",
]  # fmt: skip
# role -> (tickets, organisations, contracts, teams, extra category, extra policy) it may see
A_TEAMS = {"L1 A", "L2 A", "L3 A"}
EVERYTHING = (
    {"A", "A2", "B"},
    {"provider", "client-a", "client-b"},
    {"Contrat A", "Contrat B"},
    A_TEAMS | {"L1 B"},
    True,
    True,
)
EXPECTED = {
    "requester_a": ({"A"}, {"client-a"}, {"Contrat A"}, A_TEAMS, False, False),
    "requester_a2": ({"A2"}, {"client-a"}, {"Contrat A"}, A_TEAMS, False, False),
    "manager_a": ({"A", "A2"}, {"client-a"}, {"Contrat A"}, A_TEAMS, False, False),
    "requester_b": ({"B"}, {"client-b"}, {"Contrat B"}, {"L1 B"}, True, True),
    "manager_b": ({"B"}, {"client-b"}, {"Contrat B"}, {"L1 B"}, True, True),
    "agent_a": ({"A", "A2"}, {"provider", "client-a"}, {"Contrat A"}, A_TEAMS, False, True),
    "agent_b": ({"B"}, {"provider", "client-b"}, {"Contrat B"}, {"L1 B"}, True, True),
    "supervisor": EVERYTHING,
    "administrator": EVERYTHING,
}


@pytest.fixture
def content(world, levels):
    a = world.requester_a
    ticket_a = services.ticket_create(actor=Actor.of(a), requester=a, title="A")
    ticket_a2 = services.ticket_create(
        actor=Actor.of(world.requester_a2), requester=world.requester_a2, title="A2"
    )
    ticket_b = services.ticket_create(
        actor=Actor.of(world.requester_b), requester=world.requester_b, title="B"
    )
    services.ticket_reply(actor=Actor.of(world.agent_a), ticket=ticket_a, body="Réponse publique")
    note = services.ticket_add_note(actor=Actor.of(world.agent_a), ticket=ticket_a, body="Note interne")
    services.attachment_add(
        actor=Actor.of(a), ticket=ticket_a, filename="public.txt", content=SimpleUploadedFile("p", b"p")
    )
    services.attachment_add(
        actor=Actor.of(world.agent_a),
        ticket=ticket_a,
        filename="internal.txt",
        content=SimpleUploadedFile("i", b"i"),
        is_internal=True,
    )
    services.attachment_add(
        actor=Actor.of(world.agent_a),
        ticket=ticket_a,
        filename="on-note.txt",
        content=SimpleUploadedFile("n", b"n"),
        followup=note,
    )
    services.ticket_link(actor=Actor.system("t"), source=ticket_a, target=ticket_a2, kind="related_to")
    CategoryFactory.create(name_en="Everyone")
    CategoryFactory.create(name_en="Only B").organisations.set([world.client_b])
    calendar = SlaPolicy.objects.get(is_default=True).calendar
    gold = SlaPolicy.objects.create(name="B gold", calendar=calendar)
    ContractFactory.create(organisation=world.client_a, name="Contrat A")
    ContractFactory.create(organisation=world.client_b, name="Contrat B", sla_policy=gold)
    return {"a": ticket_a, "a2": ticket_a2, "b": ticket_b}


@pytest.mark.parametrize("role", ROLES)
def test_lists_hold_only_what_the_role_may_see(api, world, content, role):
    user = world.person(role)

    def names(path: str, key: str) -> set[str]:
        response = api.get(path, user)
        assert response.status_code == 200
        body = response.json()
        return {item[key] for item in (body["items"] if isinstance(body, dict) else body)}

    tickets, organisations, contracts, teams, sees_only_b, sees_gold = EXPECTED[role]
    assert names("/api/tickets", "title") == tickets
    assert names("/api/organisations", "slug") == organisations
    assert names("/api/contracts", "name") == contracts
    assert names("/api/teams", "name") == teams
    assert names("/api/categories", "name_en") == {"Everyone"} | ({"Only B"} if sees_only_b else set())
    assert names("/api/sla-policies", "name") == {"Standard"} | ({"B gold"} if sees_gold else set())


@pytest.mark.parametrize(
    ("role", "sees_internal"), [("requester_a", False), ("manager_a", False), ("agent_a", True)]
)
def test_requesters_never_get_internal_notes_or_files(api, world, content, role, sees_internal):
    user = world.person(role)
    reference = content["a"].reference

    detail = api.get(f"/api/tickets/{reference}", user).json()
    followups = api.get(f"/api/tickets/{reference}/followups", user).json()

    expected_bodies = ["Réponse publique", "Note interne"] if sees_internal else ["Réponse publique"]
    assert [followup["body"] for followup in followups] == expected_bodies
    assert [followup["body"] for followup in detail["followups"]] == expected_bodies
    files = ["public.txt", "internal.txt", "on-note.txt"] if sees_internal else ["public.txt"]
    assert [attachment["filename"] for attachment in detail["attachments"]] == files


def test_a_link_to_a_ticket_the_reader_cannot_see_is_left_out(api, world, content):
    reference = content["a"].reference

    as_requester = api.get(f"/api/tickets/{reference}", world.requester_a).json()
    as_agent = api.get(f"/api/tickets/{reference}", world.agent_a).json()

    assert as_requester["links"] == []  # A2 belongs to another requester
    assert as_agent["links"] == [
        {
            "kind": "related_to",
            "direction": "out",
            "ticket": {"reference": content["a2"].reference, "title": "A2", "state": "new"},
        }
    ]
