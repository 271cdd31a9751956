"""Writes of the agent workspace: applying macros, saving views and macros, logging phone calls.

Ticket changes always go through :mod:`escalade.tickets.services` (which check ``authz``, record
events and refresh the SLA clock); these functions only compose them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import Team, User
from escalade.automation.templating import template_render
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.core.services import event_record
from escalade.tickets import services as tickets
from escalade.tickets.choices import Channel, Impact, State, Urgency
from escalade.tickets.models import Category, FollowUp, Ticket
from escalade.timetracking.services import time_entry_for_call
from escalade.workspace.models import Macro, PhoneCall, SavedView

# States a macro may set in one click (resolving needs a code and a solution, closing is the requester's).
MACRO_STATES = (State.IN_PROGRESS, State.PENDING_REQUESTER, State.PENDING_THIRD_PARTY)
MAX_CALL_SECONDS = 24 * 3600


def macro_render(*, macro: Macro, ticket: Ticket, agent: User | None) -> str:
    """The macro's text with its placeholders filled in (unknown ones are left as written): the
    historical ``{{reference}}`` names and the rule templates' ``{{ ticket.reference }}`` ones alike."""
    given = {"agent.name": agent.full_name if agent else ""}
    return template_render(text=macro.body, ticket=ticket, given=given)


def _check_owner(*, user: User, owner: User | None, team: Team | None) -> None:
    if (owner is None) == (team is None):
        raise ValidationFailed(_("Keep it for yourself or share it with one of your teams."), field="team")
    if owner is not None and owner.pk != user.pk:
        raise PermissionDeniedError(_("You can only keep views and macros for yourself."))
    if team is not None and not team.members.filter(pk=user.pk).exists():
        raise PermissionDeniedError(_("You can only share with a team you belong to."))


@transaction.atomic
def macro_apply(*, actor: Actor, ticket: Ticket, macro: Macro, body: str | None = None) -> FollowUp:
    """Reply with the macro's text (or ``body``, the agent's edited version) and set its fields."""
    user = actor.user
    authz.ensure_ticket_action(user, "work", ticket)
    if user is not None and not _may_use(user, macro):
        raise PermissionDeniedError(_("This macro is not yours to use."))
    text = body if body is not None and body.strip() else macro_render(macro=macro, ticket=ticket, agent=user)
    followup = tickets.ticket_reply(actor=actor, ticket=ticket, body=text)
    ticket.refresh_from_db()
    if macro.category_id or macro.add_tags:
        current = list(ticket.tags.values_list("name", flat=True))
        changes: dict[str, object] = {"tags": [*current, *macro.add_tags]}
        if macro.category_id:
            changes["category"] = macro.category
        tickets.ticket_update(actor=actor, ticket=ticket, **changes)  # type: ignore[arg-type]
    if macro.set_state and macro.set_state != ticket.state:
        if ticket.state in {State.NEW, State.ASSIGNED} and macro.set_state != State.IN_PROGRESS:
            ticket = tickets.ticket_transition(actor=actor, ticket=ticket, state=State.IN_PROGRESS)
        tickets.ticket_transition(actor=actor, ticket=ticket, state=macro.set_state, reason=macro.name)
    return followup


def _may_use(user: User, macro: Macro) -> bool:
    if macro.owner_id is not None:
        return macro.owner_id == user.pk
    return macro.team is not None and macro.team.members.filter(pk=user.pk).exists()


@transaction.atomic
def macro_save(
    *,
    actor: Actor,
    name: str,
    language: str,
    body: str,
    owner: User | None = None,
    team: Team | None = None,
    set_state: str = "",
    category: Category | None = None,
    add_tags: Iterable[str] = (),
    macro: Macro | None = None,
) -> Macro:
    """Create or change a macro, personal (``owner``) or shared with a ``team``."""
    user = actor.user
    if user is None or not authz.is_provider_staff(user):
        raise PermissionDeniedError(_("Only agents keep macros."))
    _check_owner(user=user, owner=owner, team=team)
    if macro is not None and not _may_use(user, macro):
        raise PermissionDeniedError(_("This macro is not yours to change."))
    if not name.strip():
        raise ValidationFailed(_("Give it a name."), field="name")
    if not body.strip():
        raise ValidationFailed(_("Write the text."), field="body")
    if set_state and set_state not in MACRO_STATES:
        raise ValidationFailed(_("A macro cannot set this state."), field="set_state")
    macro = macro or Macro()
    macro.owner, macro.team, macro.name, macro.language = owner, team, name.strip()[:80], language
    macro.body, macro.set_state, macro.category = body.strip(), set_state, category
    macro.add_tags = sorted({tag.strip().lower() for tag in add_tags if tag.strip()})
    action = "macro.updated" if macro.pk else "macro.created"
    macro.full_clean()
    macro.save()
    event_record(actor=actor, obj=macro, action=action, data={"name": macro.name})
    return macro


@transaction.atomic
def saved_view_save(
    *,
    actor: Actor,
    name: str,
    queue: str,
    filters: Mapping[str, str],
    owner: User | None = None,
    team: Team | None = None,
) -> SavedView:
    """Keep a queue and its filters under a name, for oneself or for one of one's teams."""
    user = actor.user
    if user is None or not authz.is_provider_staff(user):
        raise PermissionDeniedError(_("Only agents keep views."))
    _check_owner(user=user, owner=owner, team=team)
    if not name.strip():
        raise ValidationFailed(_("Give it a name."), field="name")
    view = SavedView.objects.create(
        owner=owner, team=team, name=name.strip()[:80], queue=queue[:24],
        filters={str(key): str(value)[:120] for key, value in filters.items() if value},
    )  # fmt: skip
    event_record(actor=actor, obj=view, action="saved_view.created", data={"name": view.name})
    return view


@transaction.atomic
def saved_view_delete(*, actor: Actor, view: SavedView) -> None:
    """Remove a saved view: one's own, or one shared with one's team."""
    user = actor.user
    if user is None:
        raise PermissionDeniedError(_("Only agents keep views."))
    mine = view.owner_id == user.pk
    shared = view.team is not None and view.team.members.filter(pk=user.pk).exists()
    if not (mine or shared):
        raise PermissionDeniedError(_("This view is not yours."))
    event_record(actor=actor, obj=view, action="saved_view.deleted", data={"name": view.name})
    view.delete()


@transaction.atomic
def phone_call_log(
    *,
    actor: Actor,
    caller: User,
    started_at: dt.datetime,
    duration_seconds: int,
    ticket: Ticket | None = None,
    title: str = "",
    description: str = "",
    category: Category | None = None,
    impact: int = Impact.LOW,
    urgency: int = Urgency.MEDIUM,
    assignee: User | None = None,
) -> PhoneCall:
    """Record a call: on ``ticket`` (a note with the summary) or on a new phone ticket for ``caller``.

    A new ticket goes to ``assignee`` (the desk proposes the agent who took the call) in their team
    serving the client; ``None`` leaves intake's automatic choice (the team's least loaded agent)."""
    agent = actor.user
    if agent is None or not authz.is_provider_staff(agent):
        raise PermissionDeniedError(_("Only agents log calls."))
    if not authz.people_visible_to(agent).filter(pk=caller.pk).exists():
        raise ValidationFailed(_("Unknown caller."), field="caller")
    if not 0 <= duration_seconds <= MAX_CALL_SECONDS:
        raise ValidationFailed(_("The duration must be between 0 and 24 hours."), field="duration")
    if started_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed(_("A call cannot start in the future."), field="started_at")
    if ticket is None:
        ticket = tickets.ticket_create(
            actor=actor, requester=caller, title=title, description=description, category=category,
            channel=Channel.PHONE, impact=impact, urgency=urgency,
        )  # fmt: skip
        if assignee is not None and assignee.pk != ticket.assignee_id:
            tickets.ticket_assign(
                actor=actor, ticket=ticket, team=_team_for(assignee, ticket), assignee=assignee
            )
            ticket.refresh_from_db()
    else:
        authz.ensure_ticket_action(agent, "work", ticket)
        if description.strip():
            tickets.ticket_add_note(actor=actor, ticket=ticket, body=description)
    call = PhoneCall.objects.create(
        ticket=ticket, agent=agent, caller=caller, started_at=started_at, duration_seconds=duration_seconds
    )
    event_record(
        actor=actor, obj=ticket, action="ticket.phone_call", organisation_id=ticket.organisation_id,
        data={"call": call.pk, "caller": caller.pk, "duration_seconds": duration_seconds},
    )  # fmt: skip
    time_entry_for_call(actor=actor, ticket=ticket, duration_seconds=duration_seconds)
    return call


def _team_for(person: User, ticket: Ticket) -> Team:
    """The team in which ``person`` takes ``ticket``: its own team if they are in it, else their
    lowest-level team serving the client."""
    if ticket.team is not None and ticket.team.members.filter(pk=person.pk).exists():
        return ticket.team
    team = (
        person.teams.filter(is_active=True, organisations=ticket.organisation_id)
        .order_by("support_level", "name")
        .first()
    )
    if team is None:
        raise ValidationFailed(_("This person is in no team serving the client."), field="assignee")
    return team


def bulk_apply(
    *,
    actor: Actor,
    tickets_to_change: Iterable[Ticket],
    action: str,
    assignee: User | None = None,
    state: str = "",
    reason: str = "",
    tags: Iterable[str] = (),
) -> tuple[int, list[str]]:
    """Apply one action to several tickets, each in its own transaction; returns how many changed and
    the errors of the others ("ESC-… : message")."""
    done, errors = 0, []
    for ticket in tickets_to_change:
        try:
            _bulk_one(actor, ticket, action, assignee=assignee, state=state, reason=reason, tags=list(tags))
        except (ValidationFailed, PermissionDeniedError, ConflictError) as error:
            errors.append(f"{ticket.reference}: {error.message}")
        else:
            done += 1
    return done, errors


def _bulk_one(
    actor: Actor,
    ticket: Ticket,
    action: str,
    *,
    assignee: User | None,
    state: str,
    reason: str,
    tags: list[str],
) -> None:
    if action == "take":
        tickets.ticket_take(actor=actor, ticket=ticket)
    elif action == "assign" and assignee is not None:
        tickets.ticket_assign(actor=actor, ticket=ticket, team=_team_for(assignee, ticket), assignee=assignee)
    elif action == "state":
        tickets.ticket_transition(actor=actor, ticket=ticket, state=state, reason=reason)
    elif action == "escalate":
        tickets.ticket_escalate(actor=actor, ticket=ticket, reason=reason)
    elif action == "tag":
        current = list(ticket.tags.values_list("name", flat=True))
        tickets.ticket_update(actor=actor, ticket=ticket, tags=[*current, *tags])
    else:
        raise ValidationFailed(_("Unknown action."), field="action")
