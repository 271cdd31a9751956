"""The ticket's life: transitions, resolve/reopen/close, assignment, escalation between levels, priority."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import SupportLevel, Team, User
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.core.models import Event
from escalade.tickets.choices import OPEN_STATES, TRANSITIONS, Priority, ResolutionCode, State
from escalade.tickets.models import Ticket
from escalade.tickets.services._common import locked, record, ticket_snapshot
from escalade.tickets.services.intake import least_loaded_agent, priority_for

# Transitions with a dedicated service, because they need more than a target state.
SPECIAL_TARGETS: dict[str, str] = {State.RESOLVED: "ticket_resolve", State.CLOSED: "ticket_close"}

logger = logging.getLogger(__name__)


def _finish(actor: Actor, ticket: Ticket, action: str, before: dict[str, Any], **data: Any) -> Ticket:
    if before.get("state") != ticket.state:
        ticket.state_changed_at = timezone.now()
    ticket.save()
    record(actor=actor, ticket=ticket, action=action, before=before, data=data or None)
    return ticket


@transaction.atomic
def ticket_transition(*, actor: Actor, ticket: Ticket, state: str, reason: str = "") -> Ticket:
    """Move a ticket to another state along an allowed transition (see ``choices.TRANSITIONS``)."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "work", ticket)
    if state in SPECIAL_TARGETS:
        raise ValidationFailed(f"use {SPECIAL_TARGETS[state]} to move a ticket to {state}", field="state")
    if ticket.state in {State.RESOLVED, State.CLOSED}:
        raise ConflictError(_("Reopen the ticket first."), field="state")
    if state not in TRANSITIONS.get(ticket.state, frozenset()):
        labels = dict(State.choices)
        raise ConflictError(
            _("A ticket cannot go from “%(from)s” to “%(to)s”.")
            % {"from": labels[ticket.state], "to": labels.get(state, state)},
            field="state",
        )
    if state in {State.ASSIGNED, State.IN_PROGRESS} and ticket.assignee_id is None:
        raise ConflictError(_("Assign the ticket to someone first."), field="assignee")
    before = ticket_snapshot(ticket)
    ticket.state = state
    return _finish(actor, ticket, "ticket.state_changed", before, reason=reason)


@transaction.atomic
def ticket_resolve(*, actor: Actor, ticket: Ticket, resolution_code: str, solution: str) -> Ticket:
    """Resolve an open ticket: a resolution code and the solution text are both required."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "work", ticket)
    if ticket.state not in OPEN_STATES:
        raise ConflictError(_("Only an open ticket can be resolved."), field="state")
    if resolution_code not in ResolutionCode.values:
        raise ValidationFailed(_("Choose a resolution code."), field="resolution_code")
    if not solution.strip():
        raise ValidationFailed(_("Describe the solution."), field="solution")
    before = ticket_snapshot(ticket)
    ticket.state = State.RESOLVED
    ticket.resolution_code = resolution_code
    ticket.solution = solution.strip()
    ticket.resolved_at = timezone.now()
    if ticket.first_responded_at is None:
        ticket.first_responded_at = ticket.resolved_at  # the solution is the first public answer
    return _finish(actor, ticket, "ticket.resolved", before)


def reopen_window() -> timedelta:
    return timedelta(days=settings.ESCALADE_REOPEN_WINDOW_DAYS)


@transaction.atomic
def ticket_reopen(*, actor: Actor, ticket: Ticket, reason: str) -> Ticket:
    """Reopen a resolved or closed ticket within the reopen window after its resolution."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "confirm", ticket)
    if ticket.state not in {State.RESOLVED, State.CLOSED}:
        raise ConflictError(_("Only a resolved or closed ticket can be reopened."), field="state")
    if not reason.strip():
        raise ValidationFailed(_("Say why the ticket is reopened."), field="reason")
    if ticket.resolved_at and timezone.now() - ticket.resolved_at > reopen_window():
        raise ConflictError(_("The reopen window has passed: open a new ticket."), field="state")
    before = ticket_snapshot(ticket)
    ticket.state = State.IN_PROGRESS if ticket.assignee_id else State.NEW
    ticket.resolution_code = ""
    ticket.resolved_at = None
    ticket.closed_at = None
    return _finish(actor, ticket, "ticket.reopened", before, reason=reason.strip())


@transaction.atomic
def ticket_close(*, actor: Actor, ticket: Ticket) -> Ticket:
    """Close a resolved ticket (the requester confirms, or the auto-close job after the window)."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "confirm", ticket)
    if ticket.state != State.RESOLVED:
        raise ConflictError(_("Only a resolved ticket can be closed."), field="state")
    before = ticket_snapshot(ticket)
    ticket.state = State.CLOSED
    ticket.closed_at = timezone.now()
    return _finish(actor, ticket, "ticket.closed", before)


def _check_team_serves(team: Team, ticket: Ticket) -> None:
    if not team.is_active or not team.organisations.filter(pk=ticket.organisation_id).exists():
        raise ValidationFailed(_("This team does not serve the ticket's organisation."), field="team")


@transaction.atomic
def ticket_assign(
    *, actor: Actor, ticket: Ticket, team: Team | None = None, assignee: User | None = None
) -> Ticket:
    """Give the ticket to a team and/or a person of that team (``assignee`` None: the team's queue)."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "work", ticket)
    if ticket.state not in OPEN_STATES:
        raise ConflictError(_("Only an open ticket can be assigned."), field="state")
    team = team or ticket.team
    if team is None:
        raise ValidationFailed(_("Choose a team."), field="team")
    if team.pk != ticket.team_id:
        _check_team_serves(team, ticket)
    if assignee is not None and not team.members.filter(pk=assignee.pk, is_active=True).exists():
        raise ValidationFailed(_("This person is not in the team."), field="assignee")
    before = ticket_snapshot(ticket)
    ticket.team, ticket.support_level, ticket.assignee = team, team.support_level, assignee
    if assignee is not None and ticket.state == State.NEW:
        ticket.state = State.ASSIGNED
    if assignee is None and ticket.state in {State.ASSIGNED, State.IN_PROGRESS}:
        ticket.state = State.NEW
    _finish(actor, ticket, "ticket.assigned", before)  # the assignee hears of it from the event
    return ticket


def ticket_take(*, actor: Actor, ticket: Ticket) -> Ticket:
    """The acting agent assigns the ticket to themselves (in its team, or their own team at its level)."""
    user = actor.user
    if user is None:
        raise ValidationFailed("only a person can take a ticket", field="assignee")
    authz.ensure_ticket_action(user, "work", ticket)
    team = ticket.team if ticket.team and ticket.team.members.filter(pk=user.pk).exists() else None
    if team is None:
        team = (
            user.teams.filter(is_active=True, organisations=ticket.organisation_id)
            .order_by("support_level")
            .first()
        )
    if team is None:
        raise ValidationFailed(_("You are in no team serving this organisation."), field="team")
    return ticket_assign(actor=actor, ticket=ticket, team=team, assignee=user)


def _team_at_level(ticket: Ticket, level: int) -> Team | None:
    return (
        Team.objects.filter(is_active=True, support_level=level, organisations=ticket.organisation_id)
        .order_by("name")
        .first()
    )


def _move_to_team(actor: Actor, ticket: Ticket, team: Team, action: str, reason: str) -> Ticket:
    before = ticket_snapshot(ticket)
    ticket.team, ticket.support_level = team, team.support_level
    ticket.assignee = least_loaded_agent(team=team)
    if ticket.state in {State.NEW, State.ASSIGNED, State.IN_PROGRESS}:
        ticket.state = State.ASSIGNED if ticket.assignee else State.NEW
    _finish(actor, ticket, action, before, reason=reason)  # the new team hears of it from the event
    return ticket


def _target_team(ticket: Ticket, team: Team | None, level: int | None) -> Team | None:
    """The team chosen by name, or the first team at the chosen ``level`` serving the client."""
    if team is not None:
        _check_team_serves(team, ticket)
        if level is not None and team.support_level != level:
            raise ValidationFailed(_("This team is not at the chosen level."), field="team")
        return team
    if level is not None:
        if level not in SupportLevel.values:
            raise ValidationFailed(_("Choose a level from 1 to 3."), field="level")
        found = _team_at_level(ticket, level)
        if found is None:
            raise ConflictError(_("No team at this level serves the client."), field="level")
        return found
    return None


@transaction.atomic
def ticket_escalate(
    *, actor: Actor, ticket: Ticket, reason: str, team: Team | None = None, level: int | None = None
) -> Ticket:
    """Send the ticket up: to ``team``, to the first team at ``level``, or by default to the next level's
    team serving the client. Any level above the ticket's may be chosen (an L1 agent may go straight to
    L3); a team at the same level is an assignment, not an escalation. The SLA clock keeps running."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "work", ticket)
    if ticket.state not in OPEN_STATES:
        raise ConflictError(_("Only an open ticket can be escalated."), field="state")
    if not reason.strip():
        raise ValidationFailed(_("Say why the ticket is escalated."), field="reason")
    target = _target_team(ticket, team, level)
    if target is None:
        target = _team_at_level(ticket, ticket.support_level + 1)
        if target is None:
            raise ConflictError(_("There is no higher level to escalate to."), field="team")
    if target.pk == ticket.team_id:
        raise ValidationFailed(_("The ticket is already with this team."), field="team")
    if target.support_level <= ticket.support_level:
        raise ValidationFailed(
            _("Escalate to a higher level; to move the ticket within its level, assign it."), field="team"
        )
    return _move_to_team(actor, ticket, target, "ticket.escalated", reason.strip())


def _team_before_escalation(ticket: Ticket) -> int | None:
    """The team that escalated the ticket to its current team, from the event log."""
    escalations = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(Ticket), object_id=ticket.pk, action="ticket.escalated"
    ).order_by("-id")
    for changes in escalations.values_list("changes", flat=True):
        team = changes.get("team", {})
        if team.get("to") == ticket.team_id:
            return team.get("from")  # type: ignore[no-any-return]
    return None


@transaction.atomic
def ticket_hand_back(
    *, actor: Actor, ticket: Ticket, reason: str, team: Team | None = None, level: int | None = None
) -> Ticket:
    """Hand the ticket down, with a reason (mandatory): to ``team`` or the first team at ``level``
    below the ticket's, by default to the team that escalated it (else the level below).

    Who may: supervisors and administrators, and agents at the ticket's level or above (a level-1 agent
    does not push back what level 2 holds). The SLA clock keeps running: the client's deadlines do not
    move when the work changes hands, and a resolution breach already flagged is not flagged (nor
    escalated by the sweep) again."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "work", ticket)
    if actor.user is not None and not authz.can_hand_back(actor.user, ticket):
        raise PermissionDeniedError(_("Only the level holding the ticket, or a supervisor, hands it back."))
    if ticket.state not in OPEN_STATES:
        raise ConflictError(_("Only an open ticket can be handed back."), field="state")
    if not reason.strip():
        raise ValidationFailed(_("Say why the ticket is handed back."), field="reason")
    target = _target_team(ticket, team, level)
    if target is None:
        team_id = _team_before_escalation(ticket)
        target = Team.objects.filter(pk=team_id, is_active=True).first() if team_id else None
        target = target or _team_at_level(ticket, ticket.support_level - 1)
        if target is None or target.pk == ticket.team_id:
            raise ConflictError(_("There is no lower level to hand the ticket back to."), field="team")
    if target.pk == ticket.team_id or target.support_level >= ticket.support_level:
        raise ValidationFailed(_("Hand the ticket back to a lower level."), field="team")
    return _move_to_team(actor, ticket, target, "ticket.handed_back", reason.strip())


@transaction.atomic
def ticket_set_priority(*, actor: Actor, ticket: Ticket, priority: int, reason: str) -> Ticket:
    """Override the matrix's priority by hand; the reason is kept in the event."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "work", ticket)
    if priority not in Priority.values:
        raise ValidationFailed(_("Priority goes from 1 to 5."), field="priority")
    if not reason.strip():
        raise ValidationFailed(_("Give a reason to override the priority."), field="reason")
    before = ticket_snapshot(ticket)
    ticket.priority = priority
    ticket.is_priority_overridden = priority != priority_for(impact=ticket.impact, urgency=ticket.urgency)
    return _finish(actor, ticket, "ticket.priority_changed", before, reason=reason.strip())


@transaction.atomic
def ticket_qualify(*, actor: Actor, ticket: Ticket, impact: int, urgency: int) -> Ticket:
    """Change impact and urgency; the priority follows the matrix unless it was set by hand."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "work", ticket)
    computed = priority_for(impact=impact, urgency=urgency)
    before = ticket_snapshot(ticket)
    ticket.impact, ticket.urgency = impact, urgency
    if not ticket.is_priority_overridden:
        ticket.priority = computed
    return _finish(actor, ticket, "ticket.qualified", before)
