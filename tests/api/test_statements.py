"""The statements of the API's busiest writes, pinned (issue 20): a creation, a reply, a status change
and an assignment, each from the token to the commit, and the read of one ticket, with the reference
data kept per process (``core.refdata``) and the token kept per process (``api.tokens``, with Redis) as
a server that has served a request before holds them. Without Redis each request reads its token: one
statement more."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api
from tests.tickets.conftest import TUESDAY_10H
from tests.tickets.factories import ContractFactory

pytestmark = pytest.mark.django_db

# BEGIN, the requester with their organisation, the savepoint; the reference counter, the ticket, its
# event, its due dates, the acknowledgement mail, the reports' fact and daily rollup, the outbox; the
# release, the tags of the answer, COMMIT. It was 23 before the reference data (priority matrix, teams,
# contracts, policies and targets) was kept per process. Since then the contract's decision at intake on
# every channel (issue 16: the hour packages of the contract; the organisation's contracts come from the
# kept data) and the notification of the requester (their preferences, the bell's row; ADR 0024) add
# three; the token kept per process takes one off (18 when it is read).
CREATE = 17
# The writes below also read the ticket (locked), its clock's history (events) and, for the answer,
# the ticket again with its tags and conversation; its files and its links (one query for both
# directions) only when the ticket's query says it has some.
# The organisations the agent serves are kept per process (19, 17 and 22 before; ADR 0026).
REPLY = 18  # the recipients' notification preferences and the bell's rows (ADR 0024); no answer read-back
TRANSITION = 16  # 21 before the token was kept and the answer's read-back cut from six statements to three
ASSIGN = 21  # 26 before, likewise
# The ticket with its related objects, its tags and conversation.
READ = 3  # 7 before: the token, the files and the two directions of links, the served organisations


def _create(api: Api, world) -> str:
    body = {"title": "Imprimante bloquée", "requester_id": world.requester_a.pk, "impact": 2, "urgency": 2}
    response = api.post("/api/tickets", world.agent_a, body)
    assert response.status_code == 201, response.content
    return str(response.json()["reference"])


@pytest.fixture
def desk(api, world, frozen, settings):
    """A client under contract in office hours, and one creation and one read already served (the
    server's reference data, the agent's served organisations among them, is warm, the token is kept
    and its last use stamped)."""
    settings.ESCALADE_API_TOKEN_CACHE_SECONDS = 5  # as with Redis
    ContractFactory.create(organisation=world.client_a)
    with frozen(TUESDAY_10H):
        reference = _create(api, world)
        assert api.get(f"/api/tickets/{reference}", world.agent_a).status_code == 200
        yield reference


def test_a_creation_runs_a_pinned_number_of_statements(api, world, desk, django_assert_num_queries):
    with django_assert_num_queries(CREATE):
        _create(api, world)


def test_a_reply_runs_a_pinned_number_of_statements(api, world, desk, django_assert_num_queries):
    api.post(f"/api/tickets/{desk}/followups", world.agent_a, {"body": "Premier passage."})
    with django_assert_num_queries(REPLY):
        response = api.post(f"/api/tickets/{desk}/followups", world.agent_a, {"body": "Nous regardons."})
    assert response.status_code == 201, response.content


def test_a_status_change_runs_a_pinned_number_of_statements(api, world, desk, django_assert_num_queries):
    assert api.post(f"/api/tickets/{desk}/take", world.agent_a).status_code == 200
    assert (
        api.post(f"/api/tickets/{desk}/transition", world.agent_a, {"state": "in_progress"}).status_code
        == 200
    )
    with django_assert_num_queries(TRANSITION):
        response = api.post(
            f"/api/tickets/{desk}/transition", world.agent_a, {"state": "pending_third_party"}
        )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "pending_third_party"


def test_an_assignment_runs_a_pinned_number_of_statements(api, world, desk, django_assert_num_queries):
    with django_assert_num_queries(ASSIGN):
        response = api.patch(f"/api/tickets/{desk}", world.agent_a, {"assignee_id": world.agent_a.pk})
    assert response.status_code == 200, response.content
    assert response.json()["assignee"]["id"] == world.agent_a.pk


def test_reading_a_ticket_runs_a_pinned_number_of_statements(api, world, desk, django_assert_num_queries):
    with django_assert_num_queries(READ):
        response = api.get(f"/api/tickets/{desk}", world.agent_a)
    assert response.status_code == 200, response.content
    assert response.json()["links"] == []
    assert response.json()["attachments"] == []
