"""The built-in actions, registered like any other app's (see :mod:`escalade.automation.actions`).

Each applies its change through the ticket services, as the rule's system actor, so the change is
checked, recorded and published like an agent's (and may in turn trigger other rules).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from escalade.accounts.models import Team, User
from escalade.automation.actions import ActionContext, ActionType, Params, register
from escalade.automation.assignment import least_loaded_member, round_robin_member
from escalade.automation.templating import template_render
from escalade.core.errors import ValidationFailed
from escalade.notifications.models import NotificationKind
from escalade.notifications.services import notify, supervisors
from escalade.tickets import services as tickets
from escalade.tickets.choices import Priority, ResolutionCode, State
from escalade.tickets.models import Category, Ticket
from escalade.tickets.services.intake import tag_names

SETTABLE_STATES = (
    State.NEW,
    State.ASSIGNED,
    State.IN_PROGRESS,
    State.PENDING_REQUESTER,
    State.PENDING_THIRD_PARTY,
)
NOTIFY_TARGETS = ("supervisors", "team", "assignee")


def _required(text: str, message: str) -> str:
    if not text.strip():
        raise ValidationFailed(message)
    return text.strip()


def _id(value: str, message: str) -> int:
    if not value.strip().isdigit():
        raise ValidationFailed(message)
    return int(value)


def _team(value: str, *, optional: bool = False) -> Params:
    if optional and not value.strip():
        return {"value": "", "name": ""}
    team = Team.objects.filter(pk=_id(value, _("Choose a team.")), is_active=True).first()
    if team is None:
        raise ValidationFailed(_("Choose a team."))
    return {"value": str(team.pk), "name": team.name}


def _team_choices() -> list[tuple[str, str]]:
    return [(str(pk), name) for pk, name in Team.objects.filter(is_active=True).values_list("pk", "name")]


# ---------------------------------------------------------------- state, priority, category
def _parse_state(value: str, text: str) -> Params:
    if value not in SETTABLE_STATES:
        raise ValidationFailed(_("Choose a state."))
    return {"value": value, "text": ""}


def _run_state(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    if ticket.state == params["value"]:
        return None
    return tickets.ticket_transition(
        actor=context.actor, ticket=ticket, state=params["value"], reason=context.rule_name
    )


def _parse_priority(value: str, text: str) -> Params:
    if not value.isdigit() or int(value) not in Priority.values:
        raise ValidationFailed(_("Priority goes from 1 to 5."))
    return {"value": value, "text": ""}


def _run_priority(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    if ticket.priority == int(params["value"]):
        return None
    return tickets.ticket_set_priority(
        actor=context.actor, ticket=ticket, priority=int(params["value"]), reason=context.rule_name
    )


def _parse_category(value: str, text: str) -> Params:
    category = Category.objects.filter(pk=_id(value, _("Choose a category."))).first()
    if category is None:
        raise ValidationFailed(_("Choose a category."))
    return {"value": str(category.pk), "name_fr": category.name_fr, "name_en": category.name_en}


def _run_category(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    if ticket.category_id == int(params["value"]):
        return None
    category = Category.objects.get(pk=int(params["value"]))
    return tickets.ticket_update(actor=context.actor, ticket=ticket, category=category)


def _category_name(params: Mapping[str, Any]) -> str:
    from django.utils import translation  # noqa: PLC0415 - only here

    return str(params["name_en"] if translation.get_language() == "en" else params["name_fr"])


# ---------------------------------------------------------------- team and agent
def _run_team(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    team = Team.objects.get(pk=int(params["value"]))
    if ticket.team_id == team.pk:
        return None
    return tickets.ticket_assign(actor=context.actor, ticket=ticket, team=team, assignee=None)


def _parse_agent(value: str, text: str) -> Params:
    person = User.objects.filter(pk=_id(value, _("Choose a person.")), is_active=True).first()
    if person is None or not person.is_provider_staff:
        raise ValidationFailed(_("Choose a person."))
    return {"value": str(person.pk), "name": person.full_name}


def _run_agent(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    if ticket.assignee_id == int(params["value"]):
        return None
    person = User.objects.get(pk=int(params["value"]))
    return tickets.ticket_assign(actor=context.actor, ticket=ticket, team=ticket.team, assignee=person)


def _assign_with(chooser: Any) -> Any:
    def run(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
        team = Team.objects.get(pk=int(params["value"])) if params.get("value") else ticket.team
        if team is None:
            raise ValidationFailed(_("The ticket has no team."))
        person = chooser(team=team, ticket=ticket)
        if person is None:
            if team.pk == ticket.team_id:
                return None
            return tickets.ticket_assign(actor=context.actor, ticket=ticket, team=team, assignee=None)
        return tickets.ticket_assign(actor=context.actor, ticket=ticket, team=team, assignee=person)

    return run


def _team_or_own(params: Mapping[str, Any]) -> str:
    return str(params.get("name") or _("the ticket's team"))


# ---------------------------------------------------------------- tags
def _parse_tags(value: str, text: str) -> Params:
    names = tag_names(part for part in value.split(","))
    if not names:
        raise ValidationFailed(_("Give at least one tag."))
    return {"value": ", ".join(names), "text": ""}


def _tag_list(params: Mapping[str, Any]) -> list[str]:
    return [name.strip() for name in str(params["value"]).split(",") if name.strip()]


def _run_tags(add: bool) -> Any:
    def run(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
        current = list(ticket.tags.values_list("name", flat=True))
        wanted = _tag_list(params)
        after = (
            [*current, *(t for t in wanted if t not in current)]
            if add
            else [t for t in current if t not in wanted]
        )
        if sorted(after) == sorted(current):
            return None
        return tickets.ticket_update(actor=context.actor, ticket=ticket, tags=after)

    return run


# ---------------------------------------------------------------- conversation
def _parse_text(value: str, text: str) -> Params:
    return {"value": "", "text": _required(text, _("Write the text."))}


def _run_note(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    body = template_render(text=params["text"], ticket=ticket)
    tickets.ticket_add_note(actor=context.actor, ticket=ticket, body=body)
    return None


def _run_reply(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    body = template_render(text=params["text"], ticket=ticket)
    tickets.ticket_reply(actor=context.actor, ticket=ticket, body=body)
    return Ticket.objects.get(pk=ticket.pk)  # a reply may move the first-response clock


def _run_resolve(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    solution = template_render(text=params["text"], ticket=ticket)
    return tickets.ticket_resolve(
        actor=context.actor, ticket=ticket, resolution_code=ResolutionCode.SOLVED, solution=solution
    )


def _run_close(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    return tickets.ticket_close(actor=context.actor, ticket=ticket)


def _run_escalate(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    return tickets.ticket_escalate(actor=context.actor, ticket=ticket, reason=params["text"])


# ---------------------------------------------------------------- notifications
def _parse_notify(value: str, text: str) -> Params:
    if value not in NOTIFY_TARGETS:
        raise ValidationFailed(_("Choose whom to notify."))
    return {"value": value, "text": _required(text, _("Write the text."))}


def _run_notify(ticket: Ticket, params: Mapping[str, Any], context: ActionContext) -> Ticket | None:
    target = params["value"]
    people: list[User] = []
    if target == "supervisors":
        people = list(supervisors())
    elif target == "team" and ticket.team_id:
        people = list(User.objects.filter(memberships__team_id=ticket.team_id, is_active=True))
    elif target == "assignee" and ticket.assignee_id:
        people = list(User.objects.filter(pk=ticket.assignee_id))
    text = f"{ticket.reference}: {template_render(text=params['text'], ticket=ticket)}"
    notify(recipients=people, kind=NotificationKind.AUTOMATION, ticket=ticket, text=text)
    return None


def _notify_target(value: str) -> str:
    labels = {
        "supervisors": _("the supervisors"),
        "team": _("the ticket's team"),
        "assignee": _("the assignee"),
    }
    return str(labels.get(value, value))


def register_builtin_actions() -> None:
    """Register the actions Escalade comes with (called from ``AutomationConfig.ready``)."""
    for action in _builtin():
        register(action)


def _builtin() -> list[ActionType]:
    L = gettext_lazy  # noqa: N806 - labels are resolved when shown, in the reader's language
    return [
        ActionType(
            key="set_state", label=L("Set the state"), value_label=L("State"), parse=_parse_state,
            run=_run_state, value_choices=lambda: [(s, str(State(s).label)) for s in SETTABLE_STATES],
            describe=lambda p: _("set the state to “%(state)s”") % {"state": State(p["value"]).label},
        ),
        ActionType(
            key="set_priority", label=L("Set the priority"), value_label=L("Priority"), parse=_parse_priority,
            run=_run_priority, value_choices=lambda: [(str(p.value), str(p.label)) for p in Priority],
            describe=lambda p: _("set the priority to %(priority)s")
            % {"priority": Priority(int(p["value"])).label},
        ),
        ActionType(
            key="set_category", label=L("Set the category"), value_label=L("Category (id)"),
            parse=_parse_category, run=_run_category,
            describe=lambda p: _("set the category to “%(name)s”") % {"name": _category_name(p)},
        ),
        ActionType(
            key="set_team", label=L("Give to a team"), value_label=L("Team"), parse=lambda v, t: _team(v),
            run=_run_team, value_choices=_team_choices,
            describe=lambda p: _("gave the ticket to the team “%(team)s”") % {"team": p["name"]},
        ),
        ActionType(
            key="set_agent", label=L("Assign to an agent"), value_label=L("Agent (id)"), parse=_parse_agent,
            run=_run_agent, describe=lambda p: _("assigned the ticket to %(name)s") % {"name": p["name"]},
        ),
        ActionType(
            key="assign_round_robin", label=L("Assign in turn within a team"),
            value_label=L("Team (empty: the ticket's)"), parse=lambda v, t: _team(v, optional=True),
            run=_assign_with(round_robin_member), value_choices=_team_choices,
            describe=lambda p: _("assigned in turn within %(team)s") % {"team": _team_or_own(p)},
        ),
        ActionType(
            key="assign_least_loaded", label=L("Assign to the least-loaded agent of a team"),
            value_label=L("Team (empty: the ticket's)"), parse=lambda v, t: _team(v, optional=True),
            run=_assign_with(least_loaded_member), value_choices=_team_choices,
            describe=lambda p: _("assigned to the least-loaded agent of %(team)s")
            % {"team": _team_or_own(p)},
        ),
        ActionType(
            key="add_tags", label=L("Add tags"), value_label=L("Tags (comma-separated)"), parse=_parse_tags,
            run=_run_tags(add=True), describe=lambda p: _("added the tags %(tags)s") % {"tags": p["value"]},
        ),
        ActionType(
            key="remove_tags", label=L("Remove tags"), value_label=L("Tags (comma-separated)"),
            parse=_parse_tags, run=_run_tags(add=False),
            describe=lambda p: _("removed the tags %(tags)s") % {"tags": p["value"]},
        ),
        ActionType(
            key="add_note", label=L("Add an internal note"), text_label=L("Note (variables allowed)"),
            parse=_parse_text, run=_run_note, describe=lambda p: _("added an internal note"),
        ),
        ActionType(
            key="send_reply", label=L("Send a reply from a template"),
            text_label=L("Reply (variables allowed)"),
            parse=_parse_text, run=_run_reply, describe=lambda p: _("sent a reply to the requester"),
        ),
        ActionType(
            key="escalate", label=L("Escalate to the next level"), text_label=L("Reason"), parse=_parse_text,
            run=_run_escalate,
            describe=lambda p: _("escalated the ticket: %(reason)s") % {"reason": p["text"]},
        ),
        ActionType(
            key="notify", label=L("Notify people"), value_label=L("Whom"), text_label=L("Message"),
            parse=_parse_notify, run=_run_notify,
            value_choices=lambda: [(key, _notify_target(key)) for key in NOTIFY_TARGETS],
            describe=lambda p: _("notified %(whom)s") % {"whom": _notify_target(p["value"])},
        ),
        ActionType(
            key="resolve", label=L("Resolve with a note"), text_label=L("Solution (variables allowed)"),
            parse=_parse_text, run=_run_resolve, describe=lambda p: _("resolved the ticket"),
        ),
        ActionType(
            key="close", label=L("Close"), parse=lambda v, t: {"value": "", "text": ""}, run=_run_close,
            describe=lambda p: _("closed the ticket"),
        ),
    ]  # fmt: skip
