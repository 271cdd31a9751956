"""Compliance per client in the reports and the monthly client report: checks done on time, late,
failed, overdue; nothing of other clients."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.utils import translation

from escalade.core.actors import Actor
from escalade.maintenance.models import MaintenanceOccurrence, Outcome
from escalade.maintenance.report_section import maintenance_compliance
from escalade.maintenance.services import (
    StepInput,
    checklist_submit,
    occurrences_generate,
    occurrences_mark_missed,
)
from escalade.reports.selectors import ReportFilters, extra_sections
from tests.maintenance.conftest import MONDAY


def _answer(world, occurrence, outcome: str, *, at: dt.datetime) -> None:
    answers = [
        StepInput(position=position, outcome=outcome if position == 1 else Outcome.PASS)
        for position in (1, 2, 3)
    ]
    with mock.patch("django.utils.timezone.now", return_value=at):
        checklist_submit(actor=Actor.of(world.agent_a), occurrence=occurrence, answers=answers, complete=True)


def test_the_report_shows_the_clients_compliance(world, make_plan) -> None:
    make_plan(lead_days=28)
    occurrences_generate(now=MONDAY)
    first, second, third, fourth = MaintenanceOccurrence.objects.order_by("scheduled_for")
    _answer(world, first, Outcome.PASS, at=first.scheduled_for + dt.timedelta(minutes=30))  # on time
    _answer(
        world, second, Outcome.FAIL, at=second.scheduled_for + dt.timedelta(minutes=30)
    )  # failed, on time
    occurrences_mark_missed(now=third.due_at + dt.timedelta(minutes=1))
    _answer(world, third, Outcome.PASS, at=third.due_at + dt.timedelta(hours=5))  # late
    occurrences_mark_missed(now=fourth.due_at + dt.timedelta(minutes=1))  # overdue, never done
    filters = ReportFilters(
        start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31), organisation_ids=frozenset({world.client_a.pk})
    )
    with (
        mock.patch("django.utils.timezone.now", return_value=fourth.due_at + dt.timedelta(days=1)),
        translation.override("en"),
    ):
        table = maintenance_compliance(filters)
        assert table is not None
        assert table.columns[1:4] == ("Checks due", "Done on time", "On time")
        # due, on time, share, late, failed, overdue
        assert table.rows == (("Client A", 4, 2, "50 %", 1, 1, 1),)
        assert table in extra_sections(filters=filters)  # in every report, the monthly one included
        other = ReportFilters(
            start=filters.start, end=filters.end, organisation_ids=frozenset({world.client_b.pk})
        )
        assert maintenance_compliance(other) is None


def test_checks_not_yet_due_do_not_count(world, make_plan) -> None:
    make_plan(lead_days=28)
    occurrences_generate(now=MONDAY)
    filters = ReportFilters(
        start=dt.date(2026, 11, 1), end=dt.date(2026, 12, 31), organisation_ids=frozenset({world.client_a.pk})
    )
    with mock.patch("django.utils.timezone.now", return_value=MONDAY):
        assert maintenance_compliance(filters) is None
