"""The rollups and facts against hand-computed values on the fixture month (see fixture_month.py), and
the rollups kept on the event path equal to a recomputation from the tickets."""

from __future__ import annotations

import datetime as dt

import pytest

from escalade.core.actors import Actor
from escalade.reports.facts import fact_key
from escalade.reports.models import DailyRollup, TicketFact
from escalade.reports.rollups import (
    facts_rebuild,
    rollups_from_facts,
    rollups_from_facts_sql,
    rollups_rebuild,
    rollups_stored,
)
from escalade.reports.selectors import ReportFilters, percentile, report_figures
from escalade.sla.selectors import working_calendar_forget
from escalade.tickets.services import ticket_update
from tests.conftest import World
from tests.reports.fixture_month import HOUR, build_month
from tests.sla.factories import frozen_at, paris

pytestmark = pytest.mark.django_db
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@pytest.fixture(autouse=True)
def _fresh_calendars() -> None:
    working_calendar_forget()


def march(world: World, *, category_id: int | None = None, agent_id: int | None = None) -> ReportFilters:
    return ReportFilters(
        start=MARCH[0], end=MARCH[1], organisation_ids=frozenset({world.client_a.pk}),
        category_id=category_id, agent_id=agent_id,
    )  # fmt: skip


def assert_rollups_match_recomputation() -> None:
    incremental = rollups_stored()
    assert incremental == rollups_from_facts(TicketFact.objects.all())
    rollups_rebuild()
    assert rollups_stored() == incremental


def test_each_ticket_fact_matches_the_hand_computation(world):
    month = build_month(world)
    facts = TicketFact.objects.in_bulk([t.pk for t in month.tickets.values()])
    fact = {name: facts[ticket.pk] for name, ticket in month.tickets.items()}

    assert (fact["T1"].first_response_seconds, fact["T1"].resolution_seconds) == (HOUR // 2, 6.5 * HOUR)
    assert (fact["T2"].first_response_seconds, fact["T2"].resolution_seconds) == (2 * HOUR, 2 * HOUR)
    assert fact["T2"].first_response_day == dt.date(2026, 3, 9)
    assert (fact["T3"].first_response_seconds, fact["T3"].resolution_seconds) == (2 * HOUR, 5 * HOUR)
    assert (fact["T3"].created_day, fact["T3"].resolved_day, fact["T3"].reopens) == (
        dt.date(2026, 2, 27), dt.date(2026, 3, 3), 1,
    )  # fmt: skip
    assert (fact["T4"].first_response_seconds, fact["T4"].resolution_seconds) == (4.5 * HOUR, 32.5 * HOUR)
    assert (fact["T4"].first_response_met, fact["T4"].resolution_met, fact["T4"].max_level) == (
        False,
        False,
        2,
    )
    assert (fact["T1"].first_response_met, fact["T1"].resolution_met) == (True, True)
    assert fact["T6"].created_day == dt.date(2026, 3, 3)  # 23:30 UTC on Monday is Tuesday in Paris
    assert (fact["T6"].first_response_seconds, fact["T6"].resolved_day) == (HOUR // 2, None)
    assert [fact[n].is_first_contact for n in ("T1", "T2", "T3", "T4")] == [True, True, False, False]


def test_the_month_figures_match_the_hand_computation(world):
    build_month(world)

    figures = report_figures(filters=march(world))

    counters = figures.counters
    assert counters["created"] == 4  # T1, T2, T4, T6 (T3 was created in February)
    assert (counters["first_responses"], counters["first_response_met"]) == (5, 4)
    assert (counters["resolved"], counters["resolution_met"]) == (4, 3)
    assert figures.rate("first_response_met", "first_response_with_target") == 80.0
    assert figures.rate("resolution_met", "resolution_with_target") == 75.0
    assert figures.rate("reopened", "resolved") == 25.0
    assert figures.rate("first_contact", "resolved") == 50.0
    assert figures.rate("escalated_l2", "created") == 25.0
    # First responses 0.5, 0.5, 2, 2, 4.5 h; resolutions 2, 5, 6.5, 32.5 h.
    assert (figures.first_response_median, figures.first_response_p90) == (2 * HOUR, 3.5 * HOUR)
    assert (figures.resolution_median, figures.resolution_p90) == (5.75 * HOUR, 24.7 * HOUR)
    february = report_figures(
        filters=ReportFilters(
            start=dt.date(2026, 2, 1),
            end=dt.date(2026, 2, 28),
            organisation_ids=frozenset({world.client_a.pk}),
        )
    )
    assert (february.counters["created"], february.counters["resolved"]) == (1, 0)


def test_filters_narrow_the_figures(world):
    month = build_month(world)

    printers = report_figures(filters=march(world, category_id=month.printers.pk))
    agent = report_figures(filters=march(world, agent_id=world.agent_a.pk))
    client_b = report_figures(
        filters=ReportFilters(start=MARCH[0], end=MARCH[1], organisation_ids=frozenset({world.client_b.pk}))
    )

    assert (printers.counters["created"], printers.counters["resolved"]) == (1, 2)  # T1; T1 and T3
    assert (agent.counters["created"], agent.counters["resolved"]) == (1, 1)  # T1 only
    assert (client_b.counters["created"], client_b.counters["resolved"]) == (1, 1)
    assert client_b.resolution_median == 2 * HOUR


def test_rollups_stay_exact_through_reopen_and_recategorisation(world):
    month = build_month(world)
    assert_rollups_match_recomputation()

    t6 = month.tickets["T6"]
    with frozen_at(paris(10, 9)):
        ticket_update(actor=Actor.of(world.supervisor), ticket=t6, category=month.network)

    by_category = {
        row.category_id: row.created
        for row in DailyRollup.objects.filter(day=dt.date(2026, 3, 3), organisation_id=world.client_a.pk)
        if row.created
    }
    assert by_category == {month.network.pk: 1}  # moved out of "no category" into Network
    assert_rollups_match_recomputation()


def test_a_reopened_ticket_leaves_its_resolution_day_until_resolved_again(world):
    month = build_month(world)
    t2 = month.tickets["T2"]
    with frozen_at(paris(10, 9)):
        from escalade.tickets.services import ticket_reopen

        ticket_reopen(actor=Actor.of(world.requester_a), ticket=t2, reason="Encore")

    figures = report_figures(filters=march(world))

    assert figures.counters["resolved"] == 3
    assert_rollups_match_recomputation()


@pytest.mark.parametrize(
    ("values", "share", "expected"),
    [([], 0.5, None), ([7], 0.9, 7), ([1, 2, 3, 10], 0.5, 2.5), ([1, 2, 3, 10], 0.9, 7.9)],
)
def test_percentile_interpolates_like_postgresql(values, share, expected):
    assert percentile(values, share) == expected


def test_the_set_based_rebuild_equals_the_incremental_rollups_in_any_chunking(world):
    """The rebuild's GROUP BY over the facts gives exactly the rows the event path added up, whether
    it goes a day, a week or a quarter at a time (the fixture month spans February and March)."""
    build_month(world)
    incremental = rollups_stored()
    assert incremental  # the fixture month wrote rollups on the event path
    for chunk_days in (1, 7, 92):
        written = rollups_from_facts_sql(chunk_days=chunk_days)
        assert written == DailyRollup.objects.count()
        assert rollups_stored() == incremental


def test_the_rebuild_of_missing_facts_goes_on_where_it_stopped(world):
    month = build_month(world)
    complete = {fact.pk: fact_key(fact) for fact in TicketFact.objects.all()}
    TicketFact.objects.filter(pk__in=[t.pk for t in list(month.tickets.values())[:2]]).delete()
    assert facts_rebuild(missing_only=True, batch=1) == 2
    assert {fact.pk: fact_key(fact) for fact in TicketFact.objects.all()} == complete
