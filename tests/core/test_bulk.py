"""rows_update: some fields of many rows in one statement, as bulk_update would save them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalade.core.actors import Actor
from escalade.core.bulk import rows_update
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create

pytestmark = pytest.mark.django_db


def test_each_row_gets_its_own_values_and_nothing_else_changes(world):
    tickets = [
        ticket_create(actor=Actor.system("tests"), requester=world.requester_a, title=f"Ticket {n}")
        for n in range(3)
    ]
    before = {row["id"]: row for row in Ticket.objects.values()}
    due = dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC)
    for n, ticket in enumerate(tickets):
        ticket.resolution_due = due + dt.timedelta(hours=n) if n else None  # a NULL among the values
        ticket.state = ["new", "in_progress", "pending_requester"][n]
        ticket.title = "not saved"
    with CaptureQueriesContext(connection) as queries:
        assert rows_update(tickets, ["resolution_due", "state"]) == 3

    assert len(queries.captured_queries) == 1
    after = {row["id"]: row for row in Ticket.objects.values()}
    for n, ticket in enumerate(tickets):
        changed = {"resolution_due": due + dt.timedelta(hours=n) if n else None, "state": ticket.state}
        assert after[ticket.pk] == {**before[ticket.pk], **changed}
    assert rows_update([], ["state"]) == 0
