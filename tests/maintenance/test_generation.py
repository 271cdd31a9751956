"""Occurrences are created ahead of time as maintenance tickets, exactly once however many workers."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from escalade.maintenance.models import MaintenanceOccurrence, StepAnswer
from escalade.maintenance.services import occurrences_generate
from escalade.tickets.choices import Kind, State
from escalade.tickets.models import Ticket
from tests.maintenance.conftest import MONDAY


def test_generation_creates_the_occurrences_within_the_lead_time_as_maintenance_tickets(
    make_plan, world
) -> None:
    plan = make_plan(lead_days=14)
    result = occurrences_generate(now=MONDAY)
    occurrences = list(MaintenanceOccurrence.objects.filter(plan=plan).select_related("ticket"))
    # 23 November 08:00 Paris is after 07:00 Paris (now): this Monday, the next one, not the third.
    assert [o.scheduled_for for o in occurrences] == [
        dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC),
    ]
    assert result.created == 2
    ticket = occurrences[0].ticket
    assert ticket is not None
    assert (ticket.kind, ticket.requester, ticket.organisation, ticket.assignee) == (
        Kind.MAINTENANCE,
        world.manager_a,
        world.client_a,
        world.agent_a,
    )
    assert ticket.state == State.ASSIGNED
    assert occurrences[0].due_at - occurrences[0].scheduled_for == dt.timedelta(minutes=120)
    assert (
        list(StepAnswer.objects.filter(occurrence=occurrences[0]).values_list("label", flat=True))
        == plan.steps
    )


def test_running_the_generation_again_creates_nothing(make_plan) -> None:
    make_plan()
    occurrences_generate(now=MONDAY)
    tickets = Ticket.objects.count()
    again = occurrences_generate(now=MONDAY + dt.timedelta(minutes=15))
    assert (again.created, again.existing) == (0, 1)
    assert Ticket.objects.count() == tickets


def test_an_inactive_plan_generates_nothing(make_plan) -> None:
    make_plan(is_active=False)
    assert occurrences_generate(now=MONDAY).created == 0


def test_a_plan_declaring_a_window_silences_the_clients_alerts(make_plan, world) -> None:
    from escalade.alerts.models import MaintenanceWindow

    make_plan(silences_alerts=True, lead_days=1)
    occurrences_generate(now=MONDAY)
    window = MaintenanceWindow.objects.get(organisation=world.client_a)
    assert (window.starts_at, window.ends_at) == (
        dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC),
    )


def test_a_plan_for_a_group_of_assets_links_the_group_to_each_occurrence(make_plan, world) -> None:
    from escalade.assets.models import AssetKind, AssetStatus
    from tests.assets.factories import AssetFactory

    servers = [AssetFactory.create(organisation=world.client_a, kind=AssetKind.SERVER) for _ in range(2)]
    AssetFactory.create(organisation=world.client_a, kind=AssetKind.SERVER, status=AssetStatus.DISPOSED)
    AssetFactory.create(organisation=world.client_a, kind=AssetKind.LAPTOP)
    AssetFactory.create(organisation=world.client_b, kind=AssetKind.SERVER)
    make_plan(asset_filter={"kinds": ["server"]}, lead_days=1)

    occurrences_generate(now=MONDAY)

    ticket = MaintenanceOccurrence.objects.get().ticket
    assert ticket is not None
    # The client's servers still in service, never another client's, never the laptop.
    assert sorted(ticket.asset_links.values_list("asset_id", flat=True)) == sorted(s.pk for s in servers)


@pytest.mark.django_db(transaction=True)
def test_two_workers_generating_at_once_create_each_occurrence_once(make_plan) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises the whole database)")
    plan = make_plan(lead_days=28)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(occurrences_generate(now=MONDAY))
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(result.created for result in results) == 4
    assert MaintenanceOccurrence.objects.filter(plan=plan).count() == 4
    assert Ticket.objects.filter(kind=Kind.MAINTENANCE).count() == 4
