"""Hour packages: rounding, overage, carry-over, thresholds, edits and deletes (hand-computed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from escalade.contracts.models import ContractAlert, HourPackage
from escalade.core.actors import Actor
from escalade.core.errors import NotFoundError, PermissionDeniedError
from escalade.core.models import Event
from escalade.mail.models import OutboundMail
from escalade.notifications.models import Notification, NotificationKind
from escalade.timetracking.credits import billed_minutes, package_renew, thresholds_crossed
from escalade.timetracking.models import TimeEntry
from escalade.timetracking.selectors import consumption
from escalade.timetracking.services import time_entry_create, time_entry_delete, time_entry_update

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("minutes", "rounding", "minimum", "billed"),
    [
        (7, 15, 0, 15),  # a started quarter counts whole
        (15, 15, 0, 15),
        (16, 15, 0, 30),
        (40, 15, 30, 45),  # rounded beyond the minimum
        (1, 15, 30, 30),  # the minimum per intervention
        (5, 0, 30, 30),  # no rounding, minimum only
        (61, 0, 0, 61),  # neither
        (61, 30, 0, 90),
    ],
)
def test_rounding_per_started_block_and_minimum(minutes, rounding, minimum, billed):
    assert billed_minutes(minutes, rounding=rounding, minimum=minimum) == billed


def test_thresholds_crossed_between_two_totals():
    # 40 h = 2,400 min: 75 % is 1,800 min, 90 % is 2,160 min, 100 % is 2,400 min.
    assert thresholds_crossed(available=2400, used_before=0, used_after=1799) == []
    assert thresholds_crossed(available=2400, used_before=0, used_after=1800) == [75]
    assert thresholds_crossed(available=2400, used_before=1800, used_after=2400) == [90, 100]
    assert thresholds_crossed(available=2400, used_before=2400, used_after=3000) == []


def _log(world, ticket, activities, minutes, *, billable=True, agent=None):
    return time_entry_create(
        actor=Actor.of(agent or world.agent_a), ticket=ticket, activity=activities["remote"],
        minutes=minutes, worked_on=dt.date(2026, 11, 24), is_billable=billable,
    )  # fmt: skip


def test_billable_time_draws_rounded_minutes_and_overage_is_separate(world, ticket, activities, package):
    HourPackage.objects.filter(pk=package.pk).update(credit_minutes=60)
    first = _log(world, ticket, activities, 50)  # billed 60, all from the credit
    second = _log(world, ticket, activities, 10)  # billed 15, nothing left: overage
    free = _log(world, ticket, activities, 120, billable=False)

    assert (first.billed_minutes, first.drawn_minutes, first.overage_minutes) == (60, 60, 0)
    assert (second.billed_minutes, second.drawn_minutes, second.overage_minutes) == (15, 0, 15)
    assert (free.package, free.billed_minutes, free.drawn_minutes) == (None, 0, 0)
    package.refresh_from_db()
    assert (package.consumed_minutes, package.overage_minutes, package.remaining_minutes) == (60, 15, 0)


def test_an_entry_split_between_credit_and_overage(world, ticket, activities, package):
    HourPackage.objects.filter(pk=package.pk).update(credit_minutes=100)
    entry = _log(world, ticket, activities, 110)  # billed 120: 100 drawn, 20 overage
    assert (entry.drawn_minutes, entry.overage_minutes) == (100, 20)


def test_editing_and_deleting_give_the_draw_back(world, ticket, activities, package):
    entry = _log(world, ticket, activities, 50)  # 60 drawn
    entry = time_entry_update(
        actor=Actor.of(world.agent_a), entry=entry, activity=activities["onsite"], minutes=100,
        worked_on=entry.worked_on, is_billable=True,
    )  # fmt: skip
    package.refresh_from_db()
    assert (entry.billed_minutes, package.consumed_minutes) == (105, 105)
    time_entry_delete(actor=Actor.of(world.agent_a), entry=entry)
    package.refresh_from_db()
    assert (package.consumed_minutes, TimeEntry.objects.count()) == (0, 0)
    assert list(ticket_events(ticket)) == ["ticket.time_logged", "ticket.time_changed", "ticket.time_deleted"]


def ticket_events(ticket):
    return (
        Event.objects.filter(object_id=ticket.pk, action__startswith="ticket.time_")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_activities_and_categories_limit_what_draws_on_a_package(world, ticket, activities, package):
    package.activities.set([activities["onsite"]])
    remote = _log(world, ticket, activities, 30)
    assert (remote.package, remote.billed_minutes) == (None, 30)  # billable, but outside the package


def test_carry_over_brings_the_unused_credit_into_the_next_period(world, ticket, activities, package):
    HourPackage.objects.filter(pk=package.pk).update(
        credit_minutes=600, consumed_minutes=450, carry_over=True
    )
    package.refresh_from_db()
    renewed = package_renew(
        actor=Actor.system("test"), package=package, starts_on=dt.date(2027, 1, 1),
        ends_on=dt.date(2027, 12, 31), credit_minutes=600,
    )  # fmt: skip
    assert (renewed.carried_in_minutes, renewed.available_minutes, renewed.carry_over) == (150, 750, True)

    HourPackage.objects.filter(pk=renewed.pk).update(carry_over=False, consumed_minutes=700)
    renewed.refresh_from_db()
    following = package_renew(
        actor=Actor.system("test"), package=renewed, starts_on=dt.date(2028, 1, 1),
        ends_on=dt.date(2028, 12, 31), credit_minutes=600,
    )  # fmt: skip
    assert (following.carried_in_minutes, following.available_minutes) == (0, 600)


@override_settings(ESCALADE_CREDIT_THRESHOLDS=[75, 90, 100])
def test_each_threshold_notifies_supervisor_and_client_manager_once(world, ticket, activities, package):
    for _day in range(3):
        _log(world, ticket, activities, 600)  # 1,800 min after the third: 75 %
    alerts = Notification.objects.filter(kind=NotificationKind.CONTRACT)
    assert sorted(alerts.values_list("recipient__email", flat=True)) == [
        "manager@a.example", "supervisor@provider.example",
    ]  # fmt: skip
    entry = _log(world, ticket, activities, 360)  # 2,160 min: 90 %
    assert alerts.count() == 4
    time_entry_delete(actor=Actor.of(world.agent_a), entry=entry)
    _log(world, ticket, activities, 360)  # 90 % again: already announced
    assert alerts.count() == 4
    _log(world, ticket, activities, 600)  # beyond 100 %: overage
    assert alerts.count() == 6
    assert sorted(ContractAlert.objects.values_list("key", flat=True)) == ["100", "75", "90"]
    assert not Notification.objects.filter(recipient=world.manager_b).exists()
    mails = OutboundMail.objects.filter(kind="credit_threshold")
    assert sorted(mails.values_list("to", flat=True)) == sorted(
        ["manager@a.example", "supervisor@provider.example"] * 3
    )


def test_own_entries_only_within_the_edit_window_supervisors_any(world, ticket, activities, package):
    entry = _log(world, ticket, activities, 30)
    later = timezone.now() + dt.timedelta(hours=49)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("django.utils.timezone.now", lambda: later)
        with pytest.raises(PermissionDeniedError):
            time_entry_delete(actor=Actor.of(world.agent_a), entry=entry)
        time_entry_delete(actor=Actor.of(world.supervisor), entry=entry)
    assert not TimeEntry.objects.exists()


def test_another_agent_cannot_change_my_entry(world, ticket, activities, package):
    entry = _log(world, ticket, activities, 30)
    with pytest.raises(NotFoundError):  # agent B does not even see client A's ticket
        time_entry_delete(actor=Actor.of(world.agent_b), entry=entry)
    assert TimeEntry.objects.count() == 1


def test_agent_b_cannot_log_time_on_client_a(world, ticket, activities):
    with pytest.raises(PermissionDeniedError):
        _log(world, ticket, activities, 30, agent=world.agent_b)
    assert not TimeEntry.objects.exists()


def test_consumption_of_a_month(world, ticket, activities, package):
    _log(world, ticket, activities, 50)  # 24 Nov: 60 drawn
    time_entry_create(
        actor=Actor.of(world.agent_a),
        ticket=ticket,
        activity=activities["remote"],
        minutes=20,
        worked_on=dt.date(2026, 10, 30),
    )  # fmt: skip  (October: 30 drawn)
    [november] = consumption(
        organisation=world.client_a, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30)
    )
    assert (november.consumed_minutes, november.consumed_total_minutes, november.remaining_minutes) == (
        60, 90, 2310,
    )  # fmt: skip
    assert (
        consumption(
            organisation=world.client_b, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30)
        )
        == []
    )
