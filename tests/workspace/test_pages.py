"""The desk's pages: who may open them, and how many queries they take (pinned)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalade.core.models import Event
from escalade.tickets.models import Ticket
from escalade.workspace.models import Macro, PhoneCall, SavedView
from escalade.workspace.selectors import TicketFilters, queue_tickets
from tests.accounts.factories import TeamFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db

ROLES = ["requester_a", "manager_a", "requester_b", "agent_a", "agent_b", "supervisor", "administrator"]
STAFF = {"agent_a", "agent_b", "supervisor", "administrator"}


@pytest.fixture
def ticket(make_ticket):
    return make_ticket(title="Écran noir")


def _pages(ticket):
    return [
        "/desk/",
        "/desk/?queue=breached&priority=1&q=noir",
        "/desk/counters/",
        "/desk/call/",
        "/desk/call/search/?q=req",
        "/desk/macros/",
        f"/desk/t/{ticket.reference}/",
        *(f"/desk/t/{ticket.reference}/{name}/" for name in PANELS),  # each action's form, on its own
    ]


PANELS = [
    "reply", "macro", "assign", "escalate", "handback", "pending", "resolve", "state", "link", "merge",
    "tags",
]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_desk_pages_by_role(client, world, ticket, role):
    client.force_login(world.person(role))

    for path in _pages(ticket):
        response = client.get(path)

        if role not in STAFF:
            assert response.status_code == 403, path
        elif role == "agent_b" and path.startswith("/desk/t/"):
            assert response.status_code == 404, (
                path
            )  # agent B does not serve client A: not even its existence
        else:
            assert response.status_code == 200, path


def test_anonymous_visitors_are_sent_to_sign_in(client, world, ticket):
    for path in _pages(ticket):
        response = client.get(path)

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


POSTS = [
    "take",
    "reply",
    "macro",
    "assign",
    "escalate",
    "handback",
    "pending",
    "state",
    "resolve",
    "merge",
    "link",
    "tags",
]


def _state(ticket):
    ticket.refresh_from_db()
    return (
        ticket.state, ticket.assignee_id, ticket.team_id, ticket.followups.count(), Event.objects.count(),
        Macro.objects.count(), SavedView.objects.count(),
    )  # fmt: skip


@pytest.mark.parametrize("role", ["requester_a", "manager_a", "requester_b", "agent_b", "anonymous"])
def test_denied_posts_change_nothing(client, world, ticket, make_ticket, role):
    other = make_ticket(title="Doublon")
    if role != "anonymous":
        client.force_login(world.person(role))
    before = _state(ticket)
    data = {
        "reply-body": "x", "escalate-reason": "x", "handback-reason": "x",
        "resolve-resolution_code": "solved", "resolve-solution": "x",
        "merge-target": other.reference, "link-target": other.reference, "link-kind": "related_to",
        "tags-tags": "x", "pending-state": "pending_requester", "state-state": "in_progress",
    }  # fmt: skip

    statuses = {
        action: client.post(f"/desk/t/{ticket.reference}/{action}/", data).status_code for action in POSTS
    }
    bulk = client.post("/desk/bulk/", {"action": "take", "tickets": [ticket.pk]}).status_code
    call = {
        "caller": world.requester_a.pk,
        "title": "x",
        "duration": "1:00",
        "started_at": "2020-01-06 10:00",
    }
    call_status = client.post("/desk/call/", call).status_code
    if role != "agent_b":  # an agent may keep views and macros of their own
        statuses["view"] = client.post("/desk/views/", {"name": "x", "queue": "mine"}).status_code
        statuses["macro_new"] = client.post(
            "/desk/macros/", {"name": "x", "language": "fr", "body": "x"}
        ).status_code

    if role == "agent_b":  # the ticket is not visible: not found; the list skips it; the caller is unknown
        assert set(statuses.values()) == {404}, statuses
        assert (bulk, call_status) == (302, 422)
    else:
        expected = 302 if role == "anonymous" else 403
        assert set(statuses.values()) == {expected}, statuses
        assert bulk == call_status == expected
    assert _state(ticket) == before


def _count_queries(client, path, **headers):
    """The statements of ``path`` served by a process that has served it before (the reference data
    it keeps, the agent's served organisations among them, is warm)."""
    client.get(path, **headers)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, **headers)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "queue", ["mine", "team", "unassigned", "at_risk", "breached", "pending", "out_of_contract"]
)
def test_queue_pages_take_the_same_number_of_queries_for_5_and_50_tickets(client, world, make_ticket, queue):
    client.force_login(world.agent_a)
    for index in range(5):
        make_ticket(title=f"Ticket {index}", tags=["vip"])
    Ticket.objects.update(**_INTO[queue](world))
    five = _count_queries(client, f"/desk/?queue={queue}")
    for index in range(45):
        make_ticket(title=f"Ticket {index}", tags=["vip"])
    Ticket.objects.update(**_INTO[queue](world))

    fifty = _count_queries(client, f"/desk/?queue={queue}")
    team = TeamFactory(organisations=[world.client_a])  # more people in the assignment lists
    for _index in range(10):
        TeamMembershipFactory(team=team)
    more_people = _count_queries(client, f"/desk/?queue={queue}")

    assert five == fifty == more_people == QUEUE_QUERIES


# Session, user, the page of tickets and their tags, people, saved views,
# organisations, categories and teams for the filters and forms, people for the bulk form and their
# loads (one grouped count of their open tickets). The counters come in their own request
# (``/desk/counters/``, one capped count per queue).
QUEUE_QUERIES = 11  # the served organisations are kept per process (12 before)


def test_the_queue_page_shows_at_once_and_loads_its_counters(client, world, make_ticket):
    client.force_login(world.agent_a)
    make_ticket(title="Imprimante")
    page = client.get("/desk/?queue=team").content.decode()
    assert 'hx-trigger="load, every 60s"' in page
    assert "Imprimante" in page
    counters = client.get("/desk/counters/?queue=team").content.decode()
    assert 'data-queue="team"' in counters
    assert '<span class="counter">1</span>' in counters
    assert 'hx-trigger="every 60s"' in counters


NOW = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
# Test set-up only: put every ticket into a queue without walking the workflow.
_INTO = {
    "mine": lambda world: {"assignee": world.agent_a, "state": "assigned"},
    "team": lambda world: {},
    "unassigned": lambda world: {},
    "at_risk": lambda world: {"resolution_warned_at": NOW},
    "breached": lambda world: {"resolution_breached_at": NOW},
    "pending": lambda world: {"state": "pending_requester"},
    "out_of_contract": lambda world: {"is_out_of_contract": True},
}


def test_the_ticket_page_query_count_is_pinned(client, world, ticket, make_ticket, django_assert_num_queries):
    client.force_login(world.agent_a)
    client.post(f"/desk/t/{ticket.reference}/take/")
    client.post(f"/desk/t/{ticket.reference}/reply/", {"reply-body": "Bonjour"})
    client.post(f"/desk/t/{ticket.reference}/reply/", {"reply-body": "Note", "reply-internal": "on"})
    other = make_ticket(title="Doublon")
    client.post(
        f"/desk/t/{ticket.reference}/link/", {"link-target": other.reference, "link-kind": "related_to"}
    )
    client.post(
        f"/desk/t/{other.reference}/link/", {"link-target": ticket.reference, "link-kind": "parent_of"}
    )
    PhoneCall.objects.create(
        ticket=ticket, agent=world.agent_a, caller=world.requester_a, started_at=NOW, duration_seconds=90
    )

    with django_assert_num_queries(TICKET_QUERIES):
        response = client.get(f"/desk/t/{ticket.reference}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f'<a href="/desk/t/{other.reference}/">{other.reference}</a>' in page  # both ways
    assert f'← <a href="/desk/t/{other.reference}/">{other.reference}</a>' in page
    assert f"1:30 <small>({world.agent_a.full_name})</small>" in page


# Session, user; the ticket with five joins, its tags (and, when set, contract,
# site, merged-into) by key; SLA policy with its calendar, targets, state history; follow-ups, events,
# files, recent tickets, calls, links; the names of the people and teams the events name (one query
# each). The action forms but reply come when their panel opens.
TICKET_QUERIES = 15  # the served organisations are kept per process (16 before)


@pytest.mark.parametrize("name", PANELS)
def test_an_action_form_alone_takes_a_pinned_number_of_queries(client, world, ticket, name):
    client.force_login(world.agent_a)
    Macro.objects.create(owner=world.agent_a, name="Merci", body="Merci !")

    fragment = _count_queries(client, f"/desk/t/{ticket.reference}/{name}/", HTTP_HX_REQUEST="true")
    page = _count_queries(client, f"/desk/t/{ticket.reference}/{name}/")

    assert fragment == page == ACTION_FORM_QUERIES.get(name, ACTION_FORM_QUERIES["*"])


# Session, user, the ticket (the served organisations are kept per process); the macros, or the teams
# and the people and their loads (one grouped query), or the teams above or below the ticket's level.
ACTION_FORM_QUERIES = {"*": 3, "macro": 4, "assign": 6, "escalate": 4, "handback": 4}


def test_a_ticket_is_found_by_its_page(client, world, ticket):
    client.force_login(world.agent_a)

    page = client.get(f"/desk/t/{ticket.reference}/").content.decode()

    assert ticket.reference in page
    assert Ticket.objects.count() == 1


def test_at_risk_holds_warned_deadlines_not_yet_breached(world, make_ticket):
    warned, first_warned, answered, breached, _calm = (make_ticket(title=str(n)) for n in range(5))
    Ticket.objects.filter(pk=warned.pk).update(resolution_warned_at=NOW)
    Ticket.objects.filter(pk=first_warned.pk).update(first_response_warned_at=NOW)
    Ticket.objects.filter(pk=answered.pk).update(first_response_warned_at=NOW, first_responded_at=NOW)
    Ticket.objects.filter(pk=breached.pk).update(resolution_warned_at=NOW, resolution_breached_at=NOW)
    at_risk = queue_tickets(user=world.agent_a, queue="at_risk", filters=TicketFilters())

    assert set(at_risk.values_list("pk", flat=True)) == {warned.pk, first_warned.pk}
    Ticket.objects.filter(pk=warned.pk).update(state="resolved")
    assert set(at_risk.values_list("pk", flat=True)) == {first_warned.pk}
