"""Logging a ticket: reference, qualification, contract and scope, team and agent."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection

from escalade.accounts.models import TeamMembership
from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.models import Event
from escalade.core.refdata import refdata_changed
from escalade.notifications.models import Notification
from escalade.tickets.choices import FieldType, OutOfContract, State
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create
from tests.accounts.factories import StaffFactory, TeamMembershipFactory
from tests.tickets.conftest import PARIS, TUESDAY_10H
from tests.tickets.factories import CategoryFactory, CategoryFieldFactory, ContractFactory, default_policy

pytestmark = pytest.mark.django_db


def test_a_new_ticket_gets_a_reference_a_priority_a_team_and_an_event(world, make_ticket):
    ticket = make_ticket(impact=2, urgency=1, channel="phone", tags=["Imprimante", "  urgent "])

    assert ticket.reference == "ESC-2026-000001"
    assert make_ticket().reference == "ESC-2026-000002"
    assert ticket.organisation == world.client_a
    assert ticket.priority == 2  # ITIL: impact 2 × urgency 1
    assert ticket.is_priority_overridden is False
    assert ticket.team.name == "L1 A"
    assert ticket.support_level == 1
    assert ticket.state == State.NEW
    assert ticket.assignee is None
    assert ticket.channel == "phone"
    assert sorted(ticket.tags.values_list("name", flat=True)) == ["imprimante", "urgent"]
    assert ticket.contract is None
    assert ticket.is_out_of_contract is False
    assert ticket.sla_policy == default_policy()
    event = Event.objects.get(action="ticket.created", object_id=ticket.pk)
    assert event.actor == world.requester_a
    assert event.organisation_id == world.client_a.pk
    assert event.changes["state"] == {"from": None, "to": "new"}


def test_references_restart_each_year(make_ticket):
    make_ticket(moment=dt.datetime(2026, 12, 31, 17, 0, tzinfo=PARIS))
    assert make_ticket(moment=dt.datetime(2027, 1, 4, 9, 0, tzinfo=PARIS)).reference == "ESC-2027-000001"


@pytest.mark.django_db(transaction=True)
def test_concurrent_creations_never_share_a_reference(world):
    references: list[str] = []
    barrier = threading.Barrier(4)

    def create() -> None:
        barrier.wait()
        try:
            for _ in range(3):
                ticket = ticket_create(actor=Actor.system("test"), requester=world.requester_a, title="x")
                references.append(ticket.reference)
        finally:
            connection.close()

    threads = [threading.Thread(target=create) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(references) == 12
    assert len(set(references)) == 12


def test_overriding_the_priority_needs_a_reason(make_ticket):
    with pytest.raises(ValidationFailed) as error:
        make_ticket(impact=3, urgency=3, priority=1)
    assert error.value.field == "priority_reason"

    ticket = make_ticket(impact=3, urgency=3, priority=1, priority_reason="Direction générale")
    assert ticket.priority == 1
    assert ticket.is_priority_overridden is True
    event = Event.objects.get(action="ticket.created", object_id=ticket.pk)
    assert event.data == {"priority_reason": "Direction générale"}


def test_a_category_restricted_to_another_organisation_is_refused(world, make_ticket):
    category = CategoryFactory.create()
    category.organisations.set([world.client_b])

    with pytest.raises(ValidationFailed) as error:
        make_ticket(category=category)

    assert error.value.field == "category"
    assert not Ticket.objects.exists()


def test_custom_fields_are_typed_and_validated(make_ticket):
    category = CategoryFactory.create()
    CategoryFieldFactory.create(category=category, key="asset_tag", is_required=True)
    CategoryFieldFactory.create(category=category, key="floor", field_type=FieldType.NUMBER)
    CategoryFieldFactory.create(
        category=category, key="os", field_type=FieldType.CHOICE, choices=["Windows", "macOS"]
    )

    bad = [({}, "custom_fields.asset_tag"), ({"asset_tag": "PC-1", "floor": "three"}, "custom_fields.floor"),
           ({"asset_tag": "PC-1", "os": "Linux"}, "custom_fields.os"),
           ({"asset_tag": "PC-1", "colour": "red"}, "custom_fields.colour")]  # fmt: skip
    for values, field in bad:
        with pytest.raises(ValidationFailed) as error:
            make_ticket(category=category, custom_fields=values)
        assert error.value.field == field

    ticket = make_ticket(category=category, custom_fields={"asset_tag": "PC-1", "floor": 3, "os": "macOS"})
    assert ticket.custom_fields == {"asset_tag": "PC-1", "floor": 3, "os": "macOS"}


def test_a_covered_request_falls_under_the_contract_and_its_policy(world, make_ticket):
    category = CategoryFactory.create()
    contract = ContractFactory.create(organisation=world.client_a, categories=[category])

    ticket = make_ticket(category=category)

    assert ticket.contract == contract
    assert ticket.is_out_of_contract is False
    assert ticket.sla_policy == contract.sla_policy
    assert not Notification.objects.filter(kind="out_of_contract").exists()


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("category", OutOfContract.CATEGORY),
        ("expired", OutOfContract.VALIDITY),
        ("saturday", OutOfContract.HOURS),
    ],
)
def test_out_of_contract_requests_are_accepted_flagged_and_reported(world, make_ticket, case, reason):
    covered, other = CategoryFactory.create(), CategoryFactory.create()
    ends_on = dt.date(2026, 6, 30) if case == "expired" else dt.date(2027, 12, 31)
    contract = ContractFactory.create(organisation=world.client_a, categories=[covered], ends_on=ends_on)
    moment = dt.datetime(2026, 11, 28, 11, 0, tzinfo=PARIS) if case == "saturday" else TUESDAY_10H

    ticket = make_ticket(category=other if case == "category" else covered, moment=moment)

    assert ticket.is_out_of_contract is True
    assert ticket.out_of_contract_reason == reason
    assert ticket.contract == contract
    alert = Notification.objects.get(kind="out_of_contract")
    assert alert.recipient == world.supervisor
    assert alert.ticket == ticket


def test_a_team_that_assigns_automatically_picks_the_least_loaded_available_agent(world, make_ticket):
    team = world.agent_a.teams.get()
    team.is_auto_assign = True
    team.save()
    busy, idle, away = world.agent_a, StaffFactory.create(full_name="Zoé Idle"), StaffFactory.create()
    TeamMembershipFactory.create(team=team, user=idle)
    TeamMembershipFactory.create(team=team, user=away)
    TeamMembership.objects.filter(user=away).update(is_available=False)
    Ticket.objects.filter(pk=make_ticket().pk).update(assignee=busy)

    ticket = make_ticket()

    assert ticket.assignee == idle
    assert ticket.state == State.ASSIGNED
    assert Notification.objects.get(kind="assigned", ticket=ticket).recipient == idle


def test_the_category_default_team_wins_when_it_serves_the_organisation(world, make_ticket):
    specialists = world.agent_b.teams.get()  # serves client B only
    category = CategoryFactory.create(default_team=specialists)
    assert make_ticket(category=category).team.name == "L1 A"

    specialists.organisations.add(world.client_a)
    refdata_changed()  # as the admin says it (the teams serving an organisation are kept per process)
    assert make_ticket(category=category).team == specialists


def test_a_blank_title_is_refused(make_ticket):
    with pytest.raises(ValidationFailed) as error:
        make_ticket(title="   ")
    assert error.value.field == "title"
