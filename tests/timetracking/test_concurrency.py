"""Two writers at once never double-count a package (PostgreSQL: real concurrent connections)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from escalade.contracts.models import HourPackage
from escalade.core.actors import Actor
from escalade.timetracking.models import TimeEntry
from escalade.timetracking.services import time_entry_create

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_entries_draw_the_package_exactly_once_each(world, ticket, activities, package):
    if connection.vendor != "postgresql":
        pytest.skip("row locks between connections are a PostgreSQL matter (SQLite writes one at a time)")
    HourPackage.objects.filter(pk=package.pk).update(credit_minutes=100)
    start, errors = threading.Barrier(2), []

    def write(agent) -> None:
        try:
            start.wait()
            for _ in range(5):
                time_entry_create(
                    actor=Actor.of(agent), ticket=ticket, activity=activities["remote"], minutes=15,
                    worked_on=dt.date(2026, 11, 24),
                )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(person,)) for person in (world.agent_a, world.supervisor)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    package.refresh_from_db()
    # Ten entries of 15 minutes against 100 minutes: 100 drawn, 50 overage, whatever the interleaving.
    assert (package.consumed_minutes, package.overage_minutes) == (100, 50)
    entries = TimeEntry.objects.all()
    assert sum(entry.drawn_minutes for entry in entries) == 100
    assert sum(entry.overage_minutes for entry in entries) == 50
