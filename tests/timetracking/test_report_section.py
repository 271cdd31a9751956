"""Hours consumed per contract in the reports and the monthly client report (issues 16 and 22)."""

from __future__ import annotations

import datetime as dt

import pytest

from escalade.core.actors import Actor
from escalade.reports.selectors import ReportFilters, extra_sections
from escalade.timetracking.report_section import hours_per_package
from escalade.timetracking.services import time_entry_create

pytestmark = pytest.mark.django_db


def test_the_reports_show_hours_drawn_per_package_and_nothing_of_other_clients(
    world, activities, package, ticket, ticket_b
):
    agent = Actor.of(world.agent_a)
    activity = next(iter(activities.values()))
    time_entry_create(actor=agent, ticket=ticket, activity=activity, minutes=50)  # 60 drawn (per 15 min)
    time_entry_create(actor=agent, ticket=ticket, activity=activity, minutes=20)  # 30 drawn
    time_entry_create(actor=agent, ticket=ticket, activity=activity, minutes=45, is_billable=False)
    time_entry_create(actor=Actor.of(world.agent_b), ticket=ticket_b, activity=activity, minutes=600)

    client_a = ReportFilters(
        start=dt.date(2026, 11, 1), end=dt.date(2026, 11, 30), organisation_ids=frozenset({world.client_a.pk})
    )
    table = hours_per_package(client_a)

    assert table is not None
    assert table.rows == (("Client A", "Infogérance A", "Forfait 40 h", 1.5, 0.0, 0.0),)
    assert table in extra_sections(filters=client_a)  # in every report, the monthly one included
    october = ReportFilters(
        start=dt.date(2026, 10, 1), end=dt.date(2026, 10, 31), organisation_ids=frozenset({world.client_a.pk})
    )
    assert hours_per_package(october) is None
