"""An API write commits together with its answer: a 5xx answer leaves nothing behind (ADR 0011)."""

from __future__ import annotations

from typing import Any

import pytest

from escalade.core.models import OutboxTask
from escalade.tickets.models import FollowUp, Ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing_answers(client, monkeypatch):
    """Building the answer fails after the service has written (the database lost, a bug)."""
    client.raise_request_exception = False

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("the answer could not be built")

    monkeypatch.setattr("escalade.api.queries.tickets_created", broken)


def test_a_creation_that_answers_500_left_no_ticket_and_no_work(api, world, failing_answers):
    response = api.post("/api/tickets", world.requester_a, {"title": "Écran noir"})

    assert response.status_code == 500
    assert not Ticket.objects.filter(title="Écran noir").exists()
    assert not OutboxTask.objects.exists()  # no mail, no indexing for a ticket that is not there


def test_a_write_that_succeeds_is_committed_with_its_answer(api, world):
    response = api.post("/api/tickets", world.requester_a, {"title": "Écran noir"})
    assert response.status_code == 201
    reference = response.json()["reference"]
    reply = api.post(f"/api/tickets/{reference}/followups", world.requester_a, {"body": "Toujours noir"})
    assert reply.status_code == 201
    assert FollowUp.objects.filter(ticket__reference=reference, body="Toujours noir").exists()


def test_a_refused_write_changes_nothing(api, world):
    response = api.post("/api/tickets", world.requester_a, {"title": ""})
    assert response.status_code == 422
    assert not Ticket.objects.exists()
