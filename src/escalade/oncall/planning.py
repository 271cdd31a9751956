"""Swapping shifts: a supervisor puts someone on call for a period (an override), or takes it back.

Each change is an event on the schedule (the audit log shows who swapped which shift); the rota is
computed from layers and overrides when read (``oncall.rota``), so nothing else is rewritten.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.core.services import event_record
from escalade.oncall.models import Override, Schedule

LONGEST_OVERRIDE = dt.timedelta(days=31)


def _planner(actor: Actor) -> None:
    if actor.user is not None and not authz.can_plan_oncall(actor.user):
        raise PermissionDeniedError(_("Only supervisors and administrators change the on-call rotas."))


@transaction.atomic
def override_create(
    *, actor: Actor, schedule: Schedule, user: User, starts_at: dt.datetime, ends_at: dt.datetime,
    reason: str = "",
) -> Override:  # fmt: skip
    """Put ``user`` (provider staff) on call for ``schedule`` from ``starts_at`` to ``ends_at``."""
    _planner(actor)
    if not (user.is_active and authz.is_provider_staff(user)):
        raise ValidationFailed(
            _("Only an active member of the provider's staff can be on call."), field="user"
        )
    if ends_at <= starts_at:
        raise ValidationFailed(_("The end must come after the start."), field="ends_at")
    if ends_at - starts_at > LONGEST_OVERRIDE:
        raise ValidationFailed(_("A swapped shift lasts at most 31 days."), field="ends_at")
    override = Override.objects.create(
        schedule=schedule, user=user, starts_at=starts_at, ends_at=ends_at, reason=reason.strip()[:200]
    )
    event_record(
        actor=actor, obj=schedule, action="oncall.override_created",
        data={"override": override.pk, "user": user.pk, "user_label": user.full_name,
              "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat(), "reason": override.reason},
    )  # fmt: skip
    return override


@transaction.atomic
def override_delete(*, actor: Actor, override: Override) -> None:
    """Take a swapped shift back: the rota's own order applies again."""
    _planner(actor)
    event_record(
        actor=actor, obj=override.schedule, action="oncall.override_deleted",
        data={"override": override.pk, "user": override.user_id, "starts_at": override.starts_at.isoformat(),
              "ends_at": override.ends_at.isoformat()},
    )  # fmt: skip
    override.delete()
