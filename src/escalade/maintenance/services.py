"""Writes of preventive maintenance: plans, the generation of occurrences (exactly once), the checklist,
the incidents of failed and missed checks, and the iCal feed keys (ADR 0023)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, Any

from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from escalade.accounts.models import User
from escalade.alerts.services import maintenance_create
from escalade.assets.models import Asset, AssetStatus, TicketAsset
from escalade.assets.selectors import AssetFilter
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.core.services import configuration_save, event_record
from escalade.maintenance.models import (
    FeedKey,
    MaintenanceOccurrence,
    MaintenancePlan,
    OccurrenceState,
    Outcome,
    StepAnswer,
)
from escalade.maintenance.recurrence import Schedule, occurrence_times, parse_rule
from escalade.orgs.models import Organisation
from escalade.tickets.choices import OPEN_STATES, Channel, Impact, Kind, LinkKind, ResolutionCode, Urgency
from escalade.tickets.models import Ticket, TicketLink
from escalade.tickets.services import attachment_add, ticket_assign, ticket_create, ticket_resolve

logger = logging.getLogger(__name__)

SYSTEM = Actor.system("maintenance")
PLAN_FIELDS = (
    "organisation",
    "site",
    "asset_filter",
    "name",
    "description",
    "steps",
    "team",
    "agent",
    "contact",
    "recurrence",
    "first_date",
    "at_time",
    "time_zone",
    "duration_minutes",
    "lead_days",
    "holiday_rule",
    "calendar",
    "silences_alerts",
    "is_active",
)


# ---------------------------------------------------------------- plans


def schedule_of(plan: MaintenancePlan) -> Schedule:
    return Schedule(
        recurrence=plan.recurrence,
        first_date=plan.first_date,
        at_time=plan.at_time,
        time_zone=plan.time_zone,
        holiday_rule=plan.holiday_rule,
    )


def _plan_check(values: Mapping[str, Any]) -> None:
    steps = [str(step).strip() for step in values.get("steps") or [] if str(step).strip()]
    if not steps:
        raise ValidationFailed(_("Give at least one checklist step."), field="steps")
    organisation = values.get("organisation")
    site, contact = values.get("site"), values.get("contact")
    if site is not None and organisation is not None and site.organisation_id != organisation.pk:
        raise ValidationFailed(_("This site belongs to another client."), field="site")
    if contact is not None and organisation is not None and contact.organisation_id != organisation.pk:
        raise ValidationFailed(_("The contact must be a person of the client."), field="contact")
    try:
        parse_rule(
            Schedule(
                recurrence=str(values.get("recurrence", "")),
                first_date=values["first_date"],
                at_time=values["at_time"],
                time_zone=str(values.get("time_zone", "UTC")),
            )
        )
    except (ValueError, TypeError, KeyError) as error:
        raise ValidationFailed(_("This recurrence is not a valid RRULE."), field="recurrence") from error


def plan_save(
    *, actor: Actor, plan: MaintenancePlan | None = None, values: Mapping[str, Any]
) -> MaintenancePlan:
    """Create or change a plan (supervisors): checked steps, site and contact of the client, a valid
    RRULE; recorded as ``maintenanceplan.created`` / ``.updated``."""
    values = dict(values)
    values["steps"] = [str(step).strip()[:300] for step in values.get("steps") or [] if str(step).strip()]
    _plan_check(values)
    return configuration_save(
        actor=actor, instance=plan or MaintenancePlan(), fields=PLAN_FIELDS, values=values, via="desk"
    )


# ---------------------------------------------------------------- generation


def working_day_check(
    plan: MaintenancePlan, years: tuple[int, ...], cache: dict[tuple[int, tuple[int, ...]], Any] | None = None
) -> Callable[[dt.date], bool]:
    """A day test from the plan's business calendar: open on that weekday and not a public holiday or
    closure day (every day works without a calendar). ``cache`` shares a calendar between plans."""
    if plan.calendar is None:
        return lambda day: True
    key = (plan.calendar.pk, years)
    if cache is None or key not in cache:
        working = plan.calendar.working_calendar(years=range(years[0], years[-1] + 1))
        found = (working.closed_days, frozenset(day for day, spans in working.weekly.items() if spans))
        if cache is not None:
            cache[key] = found
    closed, weekdays = cache[key] if cache is not None else found
    return lambda day: day not in closed and day.weekday() in weekdays


def plan_times(
    plan: MaintenancePlan, *, start: dt.datetime, end: dt.datetime, cache: dict[Any, Any] | None = None
) -> list[dt.datetime]:
    """The plan's occurrences in [start, end), holidays applied."""
    years = tuple(range(start.year - 1, end.year + 2))
    return occurrence_times(
        schedule_of(plan), start=start, end=end, is_working_day=working_day_check(plan, years, cache)
    )


@dataclass(frozen=True)
class Generated:
    created: int
    existing: int


def occurrences_generate(*, now: dt.datetime | None = None) -> Generated:
    """Create the occurrences of every active plan due within its lead time (run by every worker's
    scheduler: the unique (plan, scheduled_for) makes each one exist once, with one ticket)."""
    now = now or timezone.now()
    created = existing = 0
    plans = MaintenancePlan.objects.filter(is_active=True).select_related(
        "calendar", "contact__organisation", "team", "agent", "site"
    )
    calendars: dict[Any, Any] = {}
    for plan in plans:
        horizon = now + dt.timedelta(days=plan.lead_days)
        wanted = plan_times(plan, start=now, end=horizon, cache=calendars)
        # Read what exists first: a failed insert per known occurrence and tick would waste the index.
        known = set(
            plan.occurrences.filter(scheduled_for__gte=now, scheduled_for__lt=horizon).values_list(
                "scheduled_for", flat=True
            )
        )
        existing += sum(1 for instant in wanted if instant in known)
        for instant in wanted:
            if instant in known:
                continue
            if occurrence_create(plan=plan, scheduled_for=instant) is None:
                existing += 1
            else:
                created += 1
    return Generated(created=created, existing=existing)


def occurrence_create(*, plan: MaintenancePlan, scheduled_for: dt.datetime) -> MaintenanceOccurrence | None:
    """The occurrence of ``plan`` at ``scheduled_for`` with its maintenance ticket, or None when it
    exists already (created by another worker: its insert waits for ours and fails, or the reverse)."""
    try:
        with transaction.atomic():
            occurrence = MaintenanceOccurrence.objects.create(
                plan=plan,
                organisation_id=plan.organisation_id,
                team=plan.team,
                agent=plan.agent,
                scheduled_for=scheduled_for,
                due_at=scheduled_for + dt.timedelta(minutes=plan.duration_minutes),
            )
            _open_ticket(occurrence, plan)
    except IntegrityError:
        return None
    return occurrence


# A plan's group of assets is linked to each occurrence's ticket (the ticket page lists them); a group
# larger than this is linked in part and the checklist still covers it as a whole.
GROUP_LINK_LIMIT = 200


def _link_group(ticket: Ticket, plan: MaintenancePlan) -> int:
    """Link the assets of the plan's saved filter (the client's, not disposed) to ``ticket``: one read,
    one insert; the occurrence's event says how many."""
    if not plan.asset_filter:
        return 0
    group = AssetFilter.from_json(plan.asset_filter)
    assets = group.apply(Asset.objects.filter(organisation_id=plan.organisation_id)).exclude(
        status=AssetStatus.DISPOSED
    )
    ids = list(assets.order_by("pk").values_list("pk", flat=True)[:GROUP_LINK_LIMIT])
    TicketAsset.objects.bulk_create(
        [TicketAsset(ticket=ticket, asset_id=pk) for pk in ids], ignore_conflicts=True
    )
    return len(ids)


def _checklist_text(plan: MaintenancePlan) -> str:
    lines = [plan.description.strip(), ""] if plan.description.strip() else []
    lines += [f"{number}. {step}" for number, step in enumerate(plan.steps, start=1)]
    return "\n".join(lines)


def _open_ticket(occurrence: MaintenanceOccurrence, plan: MaintenancePlan) -> None:
    local = occurrence.scheduled_for.astimezone(dt.UTC).astimezone(_zone(plan.time_zone))
    ticket = ticket_create(
        actor=SYSTEM,
        requester=plan.contact,
        title=f"{plan.name} — {local:%Y-%m-%d %H:%M}",
        description=_checklist_text(plan),
        kind=Kind.MAINTENANCE,
        channel=Channel.API,
        site=plan.site,
        team=plan.team,
        impact=Impact.LOW,
        urgency=Urgency.LOW,
    )
    ticket = _give_to_plan_agent(ticket, plan)
    occurrence.ticket = ticket
    occurrence.save(update_fields=["ticket"])
    linked = _link_group(ticket, plan)
    StepAnswer.objects.bulk_create(
        StepAnswer(occurrence=occurrence, position=position, label=label[:300])
        for position, label in enumerate(plan.steps, start=1)
    )
    if plan.silences_alerts:
        maintenance_create(
            actor=SYSTEM,
            organisation=plan.organisation,
            starts_at=occurrence.scheduled_for,
            ends_at=occurrence.due_at,
            reason=plan.name,
        )
    event_record(
        actor=SYSTEM,
        obj=occurrence,
        action="maintenance.scheduled",
        organisation_id=occurrence.organisation_id,
        data={
            "plan": plan.pk,
            "ticket": ticket.pk,
            "scheduled_for": occurrence.scheduled_for.isoformat(),
            "assets": linked,
        },
    )


def _give_to_plan_agent(ticket: Ticket, plan: MaintenancePlan) -> Ticket:
    """Assign a ticket of the plan to the plan's agent (when the agent is in the ticket's team)."""
    if plan.agent is None or ticket.team is None or ticket.assignee_id == plan.agent_id:
        return ticket
    try:
        with transaction.atomic():
            return ticket_assign(actor=SYSTEM, ticket=ticket, team=ticket.team, assignee=plan.agent)
    except ValidationFailed:
        logger.warning("plan %s: agent %s is not in team %s", plan.pk, plan.agent_id, ticket.team_id)
    return ticket


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo  # noqa: PLC0415 - cached by zoneinfo itself

    return ZoneInfo(name)


# ---------------------------------------------------------------- the checklist


@dataclass(frozen=True, kw_only=True)
class StepInput:
    """One answer as the form or the API gives it (``evidence``: an uploaded file, optional)."""

    position: int
    outcome: str
    note: str = ""
    evidence_name: str = ""
    evidence: IO[bytes] | None = None


def can_work_on_occurrence(user: User | None, occurrence: MaintenanceOccurrence) -> bool:
    from escalade import authz  # noqa: PLC0415 - authz imports every app's models

    return (
        user is not None
        and authz.is_provider_staff(user)
        and (occurrence.organisation_id in authz.served_organisation_ids(user))
    )


@transaction.atomic
def checklist_submit(
    *, actor: Actor, occurrence: MaintenanceOccurrence, answers: Sequence[StepInput], complete: bool = False
) -> MaintenanceOccurrence:
    """Record the answers (and their evidence, as attachments of the occurrence's ticket); with
    ``complete``, every step must be answered: the occurrence is done (or failed, opening an incident)
    and its maintenance ticket is resolved."""
    occurrence = MaintenanceOccurrence.objects.select_for_update().get(pk=occurrence.pk)
    if actor.user is not None and not can_work_on_occurrence(actor.user, occurrence):
        raise PermissionDeniedError(_("You are not allowed to do this to this ticket."))
    if occurrence.state in {OccurrenceState.DONE, OccurrenceState.FAILED}:
        raise ConflictError(_("This check is already completed."), field="state")
    rows = {row.position: row for row in occurrence.answers.all()}
    now = timezone.now()
    for answer in answers:
        row = rows.get(answer.position)
        if row is None:
            raise ValidationFailed(_("Unknown checklist step."), field="answers")
        if answer.outcome not in {*Outcome.values, ""}:
            raise ValidationFailed(_("Answer pass, fail or not applicable."), field="answers")
        row.outcome, row.note = answer.outcome, answer.note.strip()
        row.answered_by, row.answered_at = actor.user, now
        if answer.evidence is not None and occurrence.ticket is not None:
            row.evidence = attachment_add(
                actor=actor,
                ticket=occurrence.ticket,
                filename=answer.evidence_name or "evidence",
                content=answer.evidence,
                is_internal=False,
            )
        row.save()
    if complete:
        _complete(actor, occurrence, list(rows.values()), now)
    return occurrence


def _complete(
    actor: Actor, occurrence: MaintenanceOccurrence, rows: list[StepAnswer], now: dt.datetime
) -> None:
    if any(not row.outcome for row in rows):
        raise ValidationFailed(_("Answer every step before completing the check."), field="answers")
    failed = [row for row in rows if row.outcome == Outcome.FAIL]
    was_missed = occurrence.state == OccurrenceState.MISSED
    occurrence.state = OccurrenceState.FAILED if failed else OccurrenceState.DONE
    occurrence.completed_at, occurrence.completed_by = now, actor.user
    occurrence.save(update_fields=["state", "completed_at", "completed_by"])
    event_record(
        actor=actor,
        obj=occurrence,
        action="maintenance.completed",
        organisation_id=occurrence.organisation_id,
        data={
            "state": occurrence.state,
            "failed_steps": [row.position for row in failed],
            "late": was_missed,
        },
    )
    ticket = occurrence.ticket
    if ticket is not None and ticket.state in OPEN_STATES:
        summary = "\n".join(
            f"{row.position}. {row.label}: {row.get_outcome_display()} {row.note}" for row in rows
        )
        ticket_resolve(actor=actor, ticket=ticket, resolution_code=ResolutionCode.SOLVED, solution=summary)
    if failed and occurrence.incident_id is None:
        steps = ", ".join(row.label for row in failed)
        _incident_open(actor, occurrence, gettext_noop("Failed: %(steps)s"), {"steps": steps})


def _incident_open(
    actor: Actor, occurrence: MaintenanceOccurrence, message: str, params: Mapping[str, str] | None = None
) -> Ticket:
    """The incident of a failed or missed check, linked to the occurrence and its ticket; it takes the
    client's SLA and escalates like any ticket. Its title is written in the client contact's language."""
    plan = occurrence.plan
    with translation.override(plan.contact.language or None):
        what = _(message) % dict(params or {})
    incident = ticket_create(
        actor=Actor.system("maintenance"),
        requester=plan.contact,
        title=f"{plan.name}: {what}"[:200],
        description=_checklist_text(plan),
        kind=Kind.INCIDENT,
        channel=Channel.API,
        site=plan.site,
        team=plan.team,
        impact=Impact.MEDIUM,
        urgency=Urgency.HIGH,
    )
    incident = _give_to_plan_agent(incident, plan)
    occurrence.incident = incident
    occurrence.save(update_fields=["incident"])
    if occurrence.ticket_id is not None:
        TicketLink.objects.get_or_create(
            source=incident, target_id=occurrence.ticket_id, kind=LinkKind.RELATED_TO
        )
    event_record(
        actor=actor,
        obj=occurrence,
        action="maintenance.incident_opened",
        organisation_id=occurrence.organisation_id,
        data={"incident": incident.pk, "reference": incident.reference, "reason": what},
    )
    return incident


def occurrences_mark_missed(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Mark missed the open occurrences past their due time and open their incidents; several workers
    share the rows (``SKIP LOCKED``). Returns how many were marked."""
    from django.db import connection  # noqa: PLC0415

    now = now or timezone.now()
    marked = 0
    with transaction.atomic():
        rows = MaintenanceOccurrence.objects.filter(state=OccurrenceState.SCHEDULED, due_at__lt=now).order_by(
            "due_at"
        )
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        for occurrence in rows.select_related("plan__contact__organisation", "plan__site", "plan__team")[
            :limit
        ]:
            occurrence.state = OccurrenceState.MISSED
            occurrence.save(update_fields=["state"])
            event_record(
                actor=SYSTEM,
                obj=occurrence,
                action="maintenance.missed",
                organisation_id=occurrence.organisation_id,
            )
            if occurrence.incident_id is None:
                _incident_open(SYSTEM, occurrence, gettext_noop("check not done in time"))
            marked += 1
    return marked


# ---------------------------------------------------------------- feed keys


def feed_key_of(*, user: User | None = None, organisation: Organisation | None = None) -> FeedKey:
    """The feed key of a person or a client (made on first need)."""
    if user is not None:
        key, _created = FeedKey.objects.get_or_create(user=user)
    else:
        key, _created = FeedKey.objects.get_or_create(organisation=organisation)
    return key


@transaction.atomic
def feed_key_rotate(
    *, actor: Actor, user: User | None = None, organisation: Organisation | None = None
) -> FeedKey:
    """A new secret: every feed address given out before stops working."""
    from escalade.maintenance.models import new_secret  # noqa: PLC0415

    key = feed_key_of(user=user, organisation=organisation)
    key.secret = new_secret()
    key.save(update_fields=["secret", "rotated_at"])
    event_record(
        actor=actor,
        obj=key,
        action="feedkey.rotated",
        organisation_id=organisation.pk if organisation else None,
    )
    return key
