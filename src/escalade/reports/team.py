"""Absences and capacities of the desk's agents (ADR 0021): supervisors and administrators manage them
from the desk, each change with its event on the agent; an agent reads their own."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import Role, User
from escalade.core.actors import Actor
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.core.services import event_record
from escalade.reports.models import Absence, Capacity

AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR)
MAX_ABSENCE_DAYS = 366


def can_manage_team(user: authz.AnyUser) -> bool:
    """Absences and capacities of every agent: supervisors and administrators."""
    return authz.can_view_reports(user)


def _check(actor: Actor) -> None:
    if actor.user is None or not can_manage_team(actor.user):
        raise PermissionDeniedError(_("Only supervisors and administrators manage absences and capacities."))


def agents() -> QuerySet[User]:
    return User.objects.filter(is_active=True, role__in=AGENT_ROLES).order_by("full_name", "pk")


def absences_of(*, user: User, since: dt.date) -> QuerySet[Absence]:
    """The absences ``user`` may read that end on or after ``since``: every agent's for those who
    manage them, else their own."""
    absences = Absence.objects.select_related("user").filter(ends_on__gte=since)
    if not can_manage_team(user):
        absences = absences.filter(user=user)
    return absences.order_by("starts_on", "user_id", "pk")


@transaction.atomic
def absence_create(
    *, actor: Actor, agent: User, starts_on: dt.date, ends_on: dt.date, reason: str = ""
) -> Absence:
    """Plan an absence of ``agent`` (auto-assignment skips them on those days)."""
    _check(actor)
    if agent.role not in AGENT_ROLES:
        raise ValidationFailed(_("Only the desk's agents have absences."), field="agent")
    if ends_on < starts_on:
        raise ValidationFailed(_("The absence ends before it starts."), field="ends_on")
    if (ends_on - starts_on).days >= MAX_ABSENCE_DAYS:
        raise ValidationFailed(_("An absence lasts at most a year."), field="ends_on")
    absence = Absence.objects.create(user=agent, starts_on=starts_on, ends_on=ends_on, reason=reason[:200])
    event_record(
        actor=actor, obj=agent, action="agent.absence_planned",
        data={"absence": absence.pk, "starts_on": starts_on.isoformat(), "ends_on": ends_on.isoformat(),
              "reason": absence.reason},
    )  # fmt: skip
    return absence


@transaction.atomic
def absence_delete(*, actor: Actor, absence: Absence) -> None:
    """Cancel a planned absence."""
    _check(actor)
    event_record(
        actor=actor, obj=absence.user, action="agent.absence_cancelled",
        data={"absence": absence.pk, "starts_on": absence.starts_on.isoformat(),
              "ends_on": absence.ends_on.isoformat()},
    )  # fmt: skip
    absence.delete()


@transaction.atomic
def capacity_set(*, actor: Actor, agent: User, open_tickets: int) -> Capacity:
    """How many open tickets ``agent`` can carry (the dashboard compares their load with it)."""
    _check(actor)
    if agent.role not in AGENT_ROLES:
        raise ValidationFailed(_("Only the desk's agents have a capacity."), field="agent")
    if not 0 <= open_tickets <= 1000:
        raise ValidationFailed(_("A capacity is between 0 and 1000 open tickets."), field="open_tickets")
    capacity = Capacity.objects.select_for_update().filter(user=agent).first()
    before = capacity.open_tickets if capacity is not None else None
    if capacity is None:
        capacity = Capacity.objects.create(user=agent, open_tickets=open_tickets)
    elif before != open_tickets:
        capacity.open_tickets = open_tickets
        capacity.save(update_fields=["open_tickets"])
    if before != open_tickets:
        event_record(
            actor=actor, obj=agent, action="agent.capacity_changed",
            changes={"capacity": {"from": before, "to": open_tickets}},
        )  # fmt: skip
    return capacity
