"""The desk's demo loader: shared macros in both languages and a Monday-morning queue, idempotent."""

from __future__ import annotations

import pytest

from escalade import demo
from escalade.tickets.models import Ticket
from escalade.workspace.models import Macro, PhoneCall


@pytest.mark.django_db(transaction=True)
def test_the_monday_morning_demo_loads_once(monkeypatch):
    monkeypatch.setattr(demo, "LOADERS", (*demo.LOADERS, "escalade.workspace.demo:load"))

    demo.load_demo()
    counts = (Macro.objects.count(), PhoneCall.objects.count(), Ticket.objects.count())
    demo.load_demo()

    assert (Macro.objects.count(), PhoneCall.objects.count(), Ticket.objects.count()) == counts
    assert set(Macro.objects.values_list("language", flat=True)) == {"fr", "en"}
    assert counts[1] == 6
    assert Ticket.objects.filter(channel="phone", assignee__isnull=True, state="new").exists()
