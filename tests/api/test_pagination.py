"""The ticket list pages by keyset (no OFFSET, no COUNT) in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalade.core.actors import Actor
from escalade.tickets import services
from escalade.tickets.models import Ticket
from tests.accounts.factories import UserFactory
from tests.api.conftest import PARIS

pytestmark = pytest.mark.django_db

# Office hours, so that every ticket gets due dates; one a day, so that resolution_due orders them.
START = dt.datetime(2026, 11, 23, 9, 0, tzinfo=PARIS)


@pytest.fixture
def tickets(world, frozen):
    def make(count: int, *, requester=None) -> list[str]:
        references = []
        for number in range(count):
            person = requester or world.requester_a
            with frozen(START + dt.timedelta(minutes=7 * number)):
                ticket = services.ticket_create(
                    actor=Actor.of(person),
                    requester=person,
                    title=f"Ticket {number}",
                    tags=["vpn", f"n{number}"],
                )
            references.append(ticket.reference)
        return references

    return make


def pages(api, user, **params) -> list[list[str]]:
    found, cursor = [], None
    while True:
        body = api.get("/api/tickets", user, **params, **({"cursor": cursor} if cursor else {})).json()
        found.append([item["reference"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return found


def test_seven_tickets_in_pages_of_three(api, world, tickets):
    references = tickets(7)

    result = pages(api, world.agent_a, limit=3)

    assert [len(page) for page in result] == [3, 3, 1]
    assert [reference for page in result for reference in page] == references[::-1]


def test_pages_stay_stable_when_a_ticket_arrives_between_two_fetches(api, world, tickets):
    references = tickets(7)
    first = api.get("/api/tickets", world.agent_a, limit=3).json()

    newcomer = tickets(1)[0]
    second = api.get("/api/tickets", world.agent_a, limit=3, cursor=first["next_cursor"]).json()
    third = api.get("/api/tickets", world.agent_a, limit=3, cursor=second["next_cursor"]).json()

    seen = [item["reference"] for body in (first, second, third) for item in body["items"]]
    assert seen == references[::-1]
    assert len(set(seen)) == 7
    assert newcomer not in seen
    assert third["next_cursor"] is None


def test_sorting_by_resolution_due_puts_tickets_without_one_last(api, world, tickets):
    references = tickets(5)
    # A ticket waiting for its requester has its resolution clock paused: no due date meanwhile.
    ticket = services.ticket_take(actor=Actor.of(world.agent_a), ticket=_ticket(references[0]))
    services.ticket_transition(actor=Actor.of(world.agent_a), ticket=ticket, state="pending_requester")

    result = pages(api, world.agent_a, limit=2, sort="resolution_due")
    listed = [reference for page in result for reference in page]

    assert listed == [*references[1:], references[0]]
    assert _ticket(references[0]).resolution_due is None


def test_filters_combine(api, world, tickets):
    references = tickets(4)
    services.ticket_take(actor=Actor.of(world.agent_a), ticket=_ticket(references[1]))

    def listed(**params) -> list[str]:
        return [
            item["reference"] for item in api.get("/api/tickets", world.agent_a, **params).json()["items"]
        ]

    assert listed(state=["assigned"]) == [references[1]]
    assert listed(state=["new", "assigned"]) == references[::-1]
    assert listed(assignee=world.agent_a.pk) == [references[1]]
    assert listed(organisation=world.client_b.pk) == []
    assert listed(q="ticket 3") == [references[3]]
    assert listed(channel="portal", is_out_of_contract="false", priority=[4]) == references[::-1]
    assert listed(channel="api") == []


def _ticket(reference):
    return Ticket.objects.get(reference=reference)


@pytest.mark.parametrize(("role", "expected"), [("agent_a", 3), ("manager_a", 3), ("supervisor", 3)])
def test_the_list_runs_a_constant_number_of_queries(api, world, tickets, role, expected):
    # token + user, the tickets with their relations, their tags (an agent's served organisations are
    # kept per process since the first request)
    user = world.person(role)
    tickets(5)
    five = _list_queries(api, user)
    tickets(45, requester=UserFactory.create(organisation=world.client_a))
    fifty = _list_queries(api, user)

    assert (len(five), len(fifty)) == (expected, expected)
    assert not any("COUNT(" in query["sql"].upper() or "OFFSET" in query["sql"].upper() for query in fifty)


def _list_queries(api, user) -> list[dict[str, str]]:
    api.get("/api/tickets", user)  # the token's last use is stamped once a minute: not in the count
    with CaptureQueriesContext(connection) as queries:
        response = api.get("/api/tickets", user, limit=100)
    assert response.status_code == 200
    assert len(response.json()["items"]) in {5, 50}
    return list(queries.captured_queries)


def test_the_detail_runs_a_constant_number_of_queries(api, world, tickets, django_assert_num_queries):
    reference = tickets(1)[0]
    ticket = _ticket(reference)
    agent = Actor.of(world.agent_a)
    api.get(f"/api/tickets/{reference}", world.agent_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get(f"/api/tickets/{reference}", world.agent_a).status_code == 200
        return len(queries)

    empty = count()
    for number in range(5):
        services.ticket_reply(actor=agent, ticket=ticket, body=f"Réponse {number}")
        services.ticket_add_note(actor=agent, ticket=ticket, body=f"Note {number}")
        services.attachment_add(
            actor=agent, ticket=ticket, filename=f"f{number}.txt", content=SimpleUploadedFile("f", b"x")
        )
        other = tickets(1)[0]
        services.ticket_link(actor=agent, source=ticket, target=_ticket(other), kind="related_to")
    # token + user, ticket with its relations, tags, follow-ups, files, links (both directions; the
    # served organisations are kept); without files or links the ticket's query says so, and neither is read
    with django_assert_num_queries(6):
        body = api.get(f"/api/tickets/{reference}", world.agent_a).json()
    assert empty == 4
    assert (len(body["followups"]), len(body["attachments"]), len(body["links"])) == (10, 5, 5)


def test_creation_answers_without_reading_the_ticket_back(api, world):
    """The creation's answer is the ticket as a later read shows it, in a pinned number of queries."""
    body = {"title": "Imprimante bloquée", "requester_id": world.requester_a.pk, "tags": ["Étage 2"]}
    api.post("/api/tickets", world.agent_a, body)  # the token's last use is stamped once a minute
    with CaptureQueriesContext(connection) as queries:
        response = api.post("/api/tickets", world.agent_a, body)
    assert response.status_code == 201
    created = response.json()
    # The count covers token and caller, the requester, qualification, contract, team and agent, the
    # reference, the ticket, its tags, the event, the acknowledgement mail, the SLA due dates, the
    # reports' fact and rollup.
    assert len(queries) <= 26, "\n".join(query["sql"][:120] for query in queries.captured_queries)
    read = api.get(f"/api/tickets/{created['reference']}", world.agent_a).json()
    assert created == read
    assert created["tags"] == ["étage-2"]
    assert created["sla"]["resolution_due"] is not None
