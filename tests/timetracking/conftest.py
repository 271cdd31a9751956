from __future__ import annotations

import datetime as dt
from importlib import import_module
from unittest import mock

import pytest
from django.apps import apps

from escalade.contracts.models import HourPackage
from escalade.core.actors import Actor
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create
from escalade.timetracking.models import ActivityType
from tests.tickets.factories import ContractFactory

# A Tuesday morning inside office hours, so that support hours never interfere unless a test wants them.
TUESDAY_10H = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with mock.patch("django.utils.timezone.now", return_value=TUESDAY_10H):
        yield


@pytest.fixture
def activities(db: None) -> dict[str, ActivityType]:
    """The seeded activities (re-seeded after a transactional test's flush)."""
    import_module("escalade.timetracking.migrations.0002_seed_activity_types").seed(apps, None)
    return {activity.code: activity for activity in ActivityType.objects.all()}


@pytest.fixture
def contract(world):
    return ContractFactory.create(organisation=world.client_a, name="Infogérance A")


@pytest.fixture
def package(contract) -> HourPackage:
    """40 hours for 2026, rounded per started 15 minutes, no minimum."""
    return HourPackage.objects.create(
        contract=contract, name="Forfait 40 h", starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 12, 31),
        credit_minutes=40 * 60, rounding_minutes=15,
    )  # fmt: skip


@pytest.fixture
def ticket(world, contract) -> Ticket:
    return ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="Imprimante")


@pytest.fixture
def ticket_b(world) -> Ticket:
    ContractFactory.create(organisation=world.client_b)
    return ticket_create(actor=Actor.of(world.requester_b), requester=world.requester_b, title="VPN")
