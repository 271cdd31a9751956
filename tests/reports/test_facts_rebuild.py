"""The rebuild of the facts at scale: the parallel path writes exactly the sequential path's facts,
resumes where it stopped, and reads the database per batch, never per ticket."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalade.reports.facts import fact_key
from escalade.reports.models import TicketFact
from escalade.reports.rollups import facts_rebuild, facts_rebuild_parallel, rollups_stored
from escalade.sla.selectors import working_calendar_forget
from tests.reports.fixture_month import build_month

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_calendars() -> None:
    working_calendar_forget()


def stored_facts() -> dict[int, tuple[object, ...]]:
    return {fact.pk: fact_key(fact) for fact in TicketFact.objects.all()}


def test_the_parallel_rebuild_writes_the_sequential_facts_and_resumes(world):
    # The fixture month: office hours, pauses, a reopening, an escalation, a ticket of the night in Paris.
    month = build_month(world)
    sequential = stored_facts()
    assert len(sequential) == len(month.tickets)

    TicketFact.objects.all().delete()
    assert facts_rebuild_parallel(workers=3, batch=1, missing_only=True) == len(sequential)
    assert stored_facts() == sequential

    # Stopped half way: the next run computes only what is missing.
    TicketFact.objects.filter(pk__in=[t.pk for t in month.tickets.values()][1::2]).delete()
    assert facts_rebuild_parallel(workers=2, batch=2, missing_only=True) == len(sequential) // 2
    assert stored_facts() == sequential
    assert facts_rebuild_parallel(workers=2, missing_only=True) == 0


def test_the_command_computes_the_missing_facts_with_workers_then_the_rollups(world):
    build_month(world)
    facts, rollups = stored_facts(), rollups_stored()
    TicketFact.objects.all().delete()
    out = io.StringIO()

    call_command("reports_rebuild", "--missing-facts", "--workers", "2", stdout=out)

    assert f"{len(facts)} facts computed" in out.getvalue()
    assert stored_facts() == facts
    assert rollups_stored() == rollups


def test_the_rebuild_reads_per_batch_not_per_ticket(world):
    month = build_month(world)
    ids = [t.pk for t in month.tickets.values()]
    facts = stored_facts()
    TicketFact.objects.all().delete()
    facts_rebuild(missing_only=True)  # the policies and calendars are kept per process from now on

    def queries(missing: list[int]) -> list[str]:
        TicketFact.objects.filter(pk__in=missing).delete()
        with CaptureQueriesContext(connection) as captured:
            assert facts_rebuild(missing_only=True) == len(missing)
        return [query["sql"][:60] for query in captured]

    # One batch, whatever its size: the tickets, BEGIN, their events, their surveys, the write (an
    # INSERT on SQLite; on PostgreSQL a COPY, which the capture does not see), COMMIT, the end.
    two, six = queries(ids[:2]), queries(ids)
    assert len(two) == len(six) == (6 if connection.vendor == "postgresql" else 7), six
    assert stored_facts() == facts
