"""One bad setting must not stop the desk: targets are bounded, and the sweep isolates a failure to the
policy or the ticket that caused it, logs it with its id, and carries on with everyone else."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.refdata import refdata_changed
from escalade.sla import services
from escalade.sla.configuration import sla_policy_save
from escalade.sla.models import SlaPolicy, SlaTarget, target_max_minutes
from escalade.sla.selectors import working_calendar_forget
from escalade.sla.services import SweepReport, sla_sweep
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create
from tests.conftest import World
from tests.sla.factories import BusinessCalendarFactory, default_policy, frozen_at, paris

pytestmark = pytest.mark.django_db

ABSURD = 2_000_000_000  # minutes: about 3,800 years, beyond the dates Python can hold from now
MONDAY_9H = paris(2, 9)


@pytest.fixture(autouse=True)
def _fresh_calendars() -> None:
    working_calendar_forget()


def create(world: World, title: str = "VPN") -> Ticket:
    with frozen_at(MONDAY_9H):
        return ticket_create(
            actor=Actor.of(world.requester_a), requester=world.requester_a, title=title, impact=2, urgency=2
        )


def target(first: int, resolution: int) -> dict[str, int]:
    return {"priority": 3, "first_response_minutes": first, "resolution_minutes": resolution}


@pytest.mark.parametrize(("first", "resolution"), [(ABSURD, ABSURD), (60, ABSURD), (0, 60)])
def test_a_policy_with_absurd_targets_is_refused_naming_the_limit(world, first, resolution):
    calendar = BusinessCalendarFactory.create()
    values = {"name": "Absurde", "calendar": calendar, "targets": [target(first, resolution)]}

    with pytest.raises(ValidationFailed) as refused:
        sla_policy_save(actor=Actor.of(world.administrator), policy=SlaPolicy(), values=values)

    assert refused.value.field == "targets"
    assert f"{target_max_minutes()}" in refused.value.message
    assert not SlaPolicy.objects.filter(name="Absurde").exists()


def test_the_admin_refuses_absurd_targets_too(world):
    policy = default_policy()
    row = SlaTarget(policy=policy, priority=1, first_response_minutes=60, resolution_minutes=ABSURD)

    with pytest.raises(ValidationError) as refused:
        row.full_clean(validate_constraints=False)

    assert set(refused.value.message_dict) == {"resolution_minutes"}


def test_the_longest_target_allowed_still_gives_due_dates(world):
    limit = target_max_minutes()
    policy = default_policy(targets={3: (limit, limit)})
    ticket = create(world)

    assert ticket.sla_policy == policy
    assert ticket.first_response_due is not None
    assert sla_sweep(now=paris(2, 10)) == SweepReport()


def test_an_absurd_target_saved_earlier_stops_neither_intake_nor_the_sweep_of_others(world, caplog):
    sound = create(world, "Sous la politique normale")
    absurd = default_policy(name="Absurde")
    SlaTarget.objects.filter(policy=absurd).update(first_response_minutes=ABSURD, resolution_minutes=ABSURD)
    refdata_changed()  # as a save through the admin says it

    with caplog.at_level(logging.ERROR):
        stuck = create(world, "Sous la politique absurde")
        report = sla_sweep(now=paris(2, 14))

    assert (stuck.sla_policy_id, stuck.first_response_due, stuck.resolution_due) == (absurd.pk, None, None)
    assert report.first_response_breaches == 1
    sound.refresh_from_db()
    assert sound.first_response_breached_at == paris(2, 14)
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert f"policy {absurd.pk}" in logged.lower()


def test_a_ticket_failing_in_the_sweep_is_logged_and_the_others_are_flagged(world, caplog):
    default_policy()
    failing, other = create(world, "Échoue"), create(world, "Passe")
    act = services._act

    def act_but_fail_on_one(check, ticket, report):
        if ticket.pk == failing.pk:
            raise RuntimeError("subscriber down")
        act(check, ticket, report)

    with mock.patch.object(services, "_act", act_but_fail_on_one), caplog.at_level(logging.ERROR):
        report = sla_sweep(now=paris(2, 14))

    # The failing ticket's breach and then its warning were tried; both are retried next time.
    assert (report.first_response_breaches, report.failures) == (1, 2)
    failing.refresh_from_db()
    other.refresh_from_db()
    assert other.first_response_breached_at == paris(2, 14)
    assert failing.first_response_breached_at is None  # rolled back, retried by the next sweep
    assert f"ticket {failing.pk}" in caplog.text
    assert sla_sweep(now=paris(2, 14, 1)).first_response_breaches == 1
