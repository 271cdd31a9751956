"""The workload report: pages per person and per night, time to acknowledge; its page's query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from escalade.core.actors import Actor
from escalade.oncall.models import Paging
from escalade.oncall.selectors import night_of, workload
from escalade.oncall.services import escalations_sweep, paging_acknowledge
from escalade.tickets.services import ticket_create
from tests.oncall.helpers import PARIS, SUNDAY_2H, frozen

pytestmark = pytest.mark.django_db


def _p1(world, title: str) -> Paging:
    ticket = ticket_create(
        actor=Actor.of(world.agent_a),
        requester=world.requester_a,
        title=title,
        priority=1,
        priority_reason="x",
    )
    return Paging.objects.get(ticket=ticket)


def test_a_page_at_two_in_the_morning_belongs_to_the_evening_before():
    assert night_of(SUNDAY_2H, PARIS) == dt.date(2026, 12, 5)
    assert night_of(SUNDAY_2H.replace(hour=23), PARIS) == dt.date(2026, 12, 6)


def test_pages_per_person_and_night_and_time_to_acknowledge(world, rota):
    with frozen(SUNDAY_2H):
        first = _p1(world, "Backup failed")
    with frozen(SUNDAY_2H + dt.timedelta(minutes=4)):
        paging_acknowledge(actor=Actor.of(rota.first), paging=first)
    with frozen(SUNDAY_2H + dt.timedelta(hours=20)):  # Sunday 22:00: the next night
        _p1(world, "VPN down")
    with frozen(SUNDAY_2H + dt.timedelta(hours=20, minutes=15)):
        escalations_sweep()  # nobody answered: the second person is paged
    loads = {
        load.user: load
        for load in workload(start=SUNDAY_2H - dt.timedelta(days=1), end=SUNDAY_2H + dt.timedelta(days=1))
    }
    mine = loads[rota.first]
    assert (mine.pages, mine.nights, mine.acknowledged, mine.mean_ack_seconds) == (2, 2, 1, 240.0)
    assert mine.pages_by_night == {dt.date(2026, 12, 5): 1, dt.date(2026, 12, 6): 1}
    theirs = loads[rota.second]
    assert (theirs.pages, theirs.acknowledged, theirs.mean_ack_seconds) == (1, 0, None)


def test_the_report_and_pages_lists_read_a_fixed_number_of_queries(
    client, world, rota, django_assert_num_queries
):
    with frozen(SUNDAY_2H):
        for number in range(5):
            _p1(world, f"Outage {number}")
    client.force_login(world.supervisor)
    client.get(reverse("oncall:pagings"))  # warm the session and caches
    with django_assert_num_queries(3):
        response = client.get(reverse("oncall:pagings"))
    assert response.content.decode().count("Outage") == 5
    with django_assert_num_queries(3):
        response = client.get(reverse("oncall:report") + "?month=2026-12")
    assert rota.first.full_name in response.content.decode()
