"""Writes of time tracking: entries (with their draw on the hour package) and running timers.

Each change is one transaction that locks the package it touches, records an event on the ticket's
timeline (``ticket.time_logged``, ``ticket.time_changed``, ``ticket.time_deleted``) and publishes it.
"""

from __future__ import annotations

import datetime as dt
import math

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from escalade.core.events import publish
from escalade.core.services import event_record
from escalade.tickets.models import Ticket
from escalade.timetracking.credits import package_draw, package_for, package_release
from escalade.timetracking.models import ActivityType, RunningTimer, TimeEntry

MAX_ENTRY_MINUTES = 24 * 60
NOTE_MAX = 500


def _staff(actor: Actor, ticket: Ticket) -> User:
    agent = actor.user
    if agent is None or not authz.can_work_on_ticket(agent, ticket):
        raise PermissionDeniedError(_("Only the agents who work on this ticket log time on it."))
    return agent


def _check(minutes: int, worked_on: dt.date, note: str, activity: ActivityType) -> None:
    if not 0 < minutes <= MAX_ENTRY_MINUTES:
        raise ValidationFailed(_("The duration must be between 1 minute and 24 hours."), field="minutes")
    if worked_on > timezone.localdate() + dt.timedelta(days=1):
        raise ValidationFailed(_("Time cannot be logged in the future."), field="worked_on")
    if len(note) > NOTE_MAX:
        raise ValidationFailed(_("The note is too long."), field="note")
    if not activity.is_active:
        raise ValidationFailed(_("This activity is no longer in use."), field="activity")


def _record(actor: Actor, entry: TimeEntry, action: str, data: dict[str, object]) -> None:
    event = event_record(
        actor=actor, obj=entry.ticket, action=action, organisation_id=entry.organisation_id,
        data={"entry": entry.pk, **data},  # type: ignore[dict-item]
    )  # fmt: skip
    publish([event], [entry.ticket])


def _summary(entry: TimeEntry) -> dict[str, object]:
    return {
        "minutes": entry.minutes, "billable": entry.is_billable, "activity": entry.activity.code,
        "worked_on": entry.worked_on.isoformat(), "billed_minutes": entry.billed_minutes,
    }  # fmt: skip


def _apply_draw(actor: Actor, entry: TimeEntry) -> None:
    package = (
        package_for(ticket=entry.ticket, activity=entry.activity, worked_on=entry.worked_on)
        if entry.is_billable
        else None
    )
    if not entry.is_billable:
        entry.package, entry.billed_minutes, entry.drawn_minutes, entry.overage_minutes = None, 0, 0, 0
        return
    draw = package_draw(actor=actor, package=package, minutes=entry.minutes)
    entry.package = draw.package
    entry.billed_minutes, entry.drawn_minutes, entry.overage_minutes = draw.billed, draw.drawn, draw.overage


def time_entry_create(
    *,
    actor: Actor,
    ticket: Ticket,
    activity: ActivityType,
    minutes: int,
    worked_on: dt.date | None = None,
    is_billable: bool = True,
    note: str = "",
) -> TimeEntry:
    """Log ``minutes`` of ``activity`` on ``ticket`` by the acting agent; billable time draws on the
    contract's hour package (rounded by its rule) and what it cannot cover is overage."""
    agent = _staff(actor, ticket)
    worked_on = worked_on or timezone.localdate()
    _check(minutes, worked_on, note, activity)
    with transaction.atomic():
        entry = TimeEntry(
            ticket=ticket, organisation_id=ticket.organisation_id, agent=agent, activity=activity,
            worked_on=worked_on, minutes=minutes, is_billable=is_billable, note=note.strip(),
        )  # fmt: skip
        _apply_draw(actor, entry)
        entry.save()
        _record(actor, entry, "ticket.time_logged", _summary(entry))
    return entry


def can_edit_entry(user: User, entry: TimeEntry, *, now: dt.datetime | None = None) -> bool:
    """Supervisors and administrators edit any entry; an agent their own, within the edit window."""
    if authz.sees_all_organisations(user):
        return True
    window = dt.timedelta(hours=settings.ESCALADE_TIME_EDIT_WINDOW_HOURS)
    return (
        authz.is_provider_staff(user)
        and entry.agent_id == user.pk
        and (now or timezone.now()) <= entry.created_at + window
    )


def _editable(actor: Actor, entry_id: int) -> TimeEntry:
    entry = (
        TimeEntry.objects.select_for_update(of=("self",))
        .select_related("ticket", "activity")
        .filter(pk=entry_id)
        .first()
    )
    user = actor.user
    if entry is None or user is None or not authz.can_view_ticket(user, entry.ticket):
        raise NotFoundError(_("No such time entry."))
    if not can_edit_entry(user, entry):
        raise PermissionDeniedError(_("This entry can no longer be changed by you."))
    return entry


def time_entry_update(
    *,
    actor: Actor,
    entry: TimeEntry,
    activity: ActivityType,
    minutes: int,
    worked_on: dt.date,
    is_billable: bool,
    note: str = "",
) -> TimeEntry:
    """Change an entry: its previous draw is given back to the package, then the new one is taken."""
    _check(minutes, worked_on, note, activity)
    with transaction.atomic():
        locked = _editable(actor, entry.pk)
        before = _summary(locked)
        package_release(
            package_id=locked.package_id, drawn=locked.drawn_minutes, overage=locked.overage_minutes
        )
        locked.activity, locked.minutes, locked.worked_on = activity, minutes, worked_on
        locked.is_billable, locked.note = is_billable, note.strip()
        _apply_draw(actor, locked)
        locked.save()
        _record(actor, locked, "ticket.time_changed", {"before": before, "after": _summary(locked)})
    return locked


def time_entry_delete(*, actor: Actor, entry: TimeEntry) -> None:
    """Delete an entry and give its draw back to the package."""
    with transaction.atomic():
        locked = _editable(actor, entry.pk)
        package_release(
            package_id=locked.package_id, drawn=locked.drawn_minutes, overage=locked.overage_minutes
        )
        summary = _summary(locked)
        _record(actor, locked, "ticket.time_deleted", summary)
        locked.delete()


def timer_start(*, actor: Actor, ticket: Ticket) -> RunningTimer:
    """Start the acting agent's timer on ``ticket`` (a timer already running is kept as it is)."""
    agent = _staff(actor, ticket)
    timer, _created = RunningTimer.objects.get_or_create(
        agent=agent, ticket=ticket, defaults={"started_at": timezone.now()}
    )
    return timer


def timer_stop(
    *, actor: Actor, ticket: Ticket, activity: ActivityType, is_billable: bool = True, note: str = ""
) -> TimeEntry:
    """Stop the acting agent's timer on ``ticket`` and log the elapsed time (started minutes count)."""
    agent = _staff(actor, ticket)
    with transaction.atomic():
        timer = RunningTimer.objects.select_for_update().filter(agent=agent, ticket=ticket).first()
        if timer is None:
            raise ValidationFailed(_("No timer is running on this ticket."))
        elapsed = (timezone.now() - timer.started_at).total_seconds()
        minutes = min(max(math.ceil(elapsed / 60), 1), MAX_ENTRY_MINUTES)
        timer.delete()
        return time_entry_create(
            actor=actor, ticket=ticket, activity=activity, minutes=minutes,
            worked_on=timezone.localdate(timer.started_at), is_billable=is_billable, note=note,
        )  # fmt: skip


PHONE_ACTIVITY = "phone"


def time_entry_for_call(*, actor: Actor, ticket: Ticket, duration_seconds: int) -> TimeEntry | None:
    """The time entry of a phone call logged at intake (the ``phone`` activity), if it lasted."""
    activity = ActivityType.objects.filter(code=PHONE_ACTIVITY, is_active=True).first()
    if activity is None or duration_seconds <= 0:
        return None
    minutes = min(math.ceil(duration_seconds / 60), MAX_ENTRY_MINUTES)
    return time_entry_create(
        actor=actor, ticket=ticket, activity=activity, minutes=minutes, is_billable=activity.is_billable,
        note=_("Phone call"),
    )  # fmt: skip
