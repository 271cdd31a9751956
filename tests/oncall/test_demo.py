"""The demo's on-call rota and alert sources: loaded once, with a past night incident that paged,
was acknowledged and resolved itself, and a flapping website check."""

from __future__ import annotations

import pytest

from escalade.alerts.models import Alert, AlertSource
from escalade.demo import load_demo
from escalade.oncall.models import Page, Paging, Schedule
from escalade.oncall.selectors import on_call_now
from escalade.tickets.choices import Channel, State
from escalade.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_rota_sources_and_past_incidents():
    load_demo()
    load_demo()
    assert Schedule.objects.count() == 1
    assert AlertSource.objects.count() == 2
    [row] = on_call_now()
    assert row.current is not None
    assert row.next is not None
    assert row.next.user != row.current.user
    disk = Ticket.objects.get(channel=Channel.MONITORING, title__startswith="Disque")
    assert (disk.organisation.slug, disk.state) == ("lemoine", State.RESOLVED)
    paging = Paging.objects.get(ticket=disk)
    assert paging.acknowledged_at is not None
    assert Page.objects.filter(paging=paging).count() == 1
    shop = Alert.objects.get(fingerprint="3")
    assert (shop.flaps, shop.occurrences) == (1, 2)
    assert Ticket.objects.filter(organisation__slug="northwind", channel=Channel.MONITORING).count() == 1
