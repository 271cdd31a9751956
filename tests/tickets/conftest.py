from __future__ import annotations

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from escalade.accounts.models import SupportLevel
from escalade.core.actors import Actor
from escalade.tickets.services import ticket_create
from tests.accounts.factories import StaffFactory, TeamFactory, TeamMembershipFactory

PARIS = ZoneInfo("Europe/Paris")
# A Tuesday morning inside office hours, so contract hours never interfere unless a test wants them to.
TUESDAY_10H = dt.datetime(2026, 11, 24, 10, 0, tzinfo=PARIS)


@pytest.fixture
def at():
    """Freeze ``timezone.now`` at a given instant: ``with at(moment): ...``."""

    def freeze(moment: dt.datetime):
        return mock.patch("django.utils.timezone.now", return_value=moment.astimezone(dt.UTC))

    return freeze


@pytest.fixture
def levels(world):
    """L2 and L3 teams serving client A, each with one agent."""
    l2 = TeamFactory.create(name="L2 A", support_level=SupportLevel.L2, organisations=[world.client_a])
    l3 = TeamFactory.create(name="L3 A", support_level=SupportLevel.L3, organisations=[world.client_a])
    l2_agent = StaffFactory.create(email="l2@provider.example")
    l3_agent = StaffFactory.create(email="l3@provider.example")
    TeamMembershipFactory.create(team=l2, user=l2_agent)
    TeamMembershipFactory.create(team=l3, user=l3_agent)
    return {"l2": l2, "l3": l3, "l2_agent": l2_agent, "l3_agent": l3_agent}


@pytest.fixture
def make_ticket(world, at):
    def make(requester=None, moment: dt.datetime = TUESDAY_10H, **fields):
        requester = requester or world.requester_a
        fields.setdefault("title", "Imprimante bloquée")
        with at(moment):
            return ticket_create(actor=Actor.of(requester), requester=requester, **fields)

    return make
