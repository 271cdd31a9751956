"""iCal feeds per agent and per client: signed, revocable, read back by the icalendar parser."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar

from escalade.core.actors import Actor
from escalade.maintenance.feeds import feed_url
from escalade.maintenance.models import MaintenanceOccurrence
from escalade.maintenance.services import feed_key_rotate, occurrences_generate
from tests.maintenance.conftest import MONDAY


@pytest.fixture(autouse=True)
def occurrences(make_plan) -> list[MaintenanceOccurrence]:
    make_plan(lead_days=14)
    occurrences_generate(now=MONDAY)
    return list(MaintenanceOccurrence.objects.select_related("ticket").order_by("scheduled_for"))


def _path(url: str) -> str:
    return urlsplit(url).path


def _events(client, url: str) -> list[Any]:
    with mock.patch("django.utils.timezone.now", return_value=MONDAY):
        response = client.get(_path(url))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content).walk("VEVENT")


def test_the_agents_feed_lists_their_occurrences(client, world, occurrences) -> None:
    events = _events(client, feed_url(user=world.agent_a))
    assert [event.decoded("dtstart") for event in events] == [o.scheduled_for for o in occurrences]
    assert [str(event["summary"]) for event in events] == ["Backup verification"] * 2
    assert events[0].decoded("dtend") - events[0].decoded("dtstart") == dt.timedelta(minutes=120)
    assert occurrences[0].ticket.reference in str(events[0]["description"])


def test_the_clients_feed_lists_its_occurrences_and_no_other_clients(client, world, occurrences) -> None:
    assert len(_events(client, feed_url(organisation=world.client_a))) == 2
    assert _events(client, feed_url(organisation=world.client_b)) == []
    assert _events(client, feed_url(user=world.agent_b)) == []


def test_rotating_the_key_revokes_the_old_address(client, world) -> None:
    old = feed_url(user=world.agent_a)
    feed_key_rotate(actor=Actor.of(world.agent_a), user=world.agent_a)
    assert client.get(_path(old)).status_code == 404
    assert len(_events(client, feed_url(user=world.agent_a))) == 2


def test_rotating_a_clients_key_revokes_its_address(client, world) -> None:
    old = feed_url(organisation=world.client_a)
    feed_key_rotate(actor=Actor.of(world.manager_a), organisation=world.client_a)
    assert client.get(_path(old)).status_code == 404


@pytest.mark.parametrize("token", ["nonsense", "eyJrIjoiY2xpZW50IiwiaWQiOjF9:forged:signature"])
def test_an_unsigned_or_forged_address_is_not_found(client, token: str) -> None:
    assert client.get(f"/maintenance/feed/{token}.ics").status_code == 404


def test_a_deactivated_agents_feed_stops(client, world) -> None:
    url = feed_url(user=world.agent_a)
    world.agent_a.is_active = False
    world.agent_a.save()
    assert client.get(_path(url)).status_code == 404
