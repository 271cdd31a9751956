"""Reply and note templates: ``{{ ticket.reference }}``-style variables filled in from a ticket.

Deliberately not Django's template language: a rule's author is a supervisor, not a developer, and a
template must not reach arbitrary attributes. Only the variables of :data:`VARIABLES` exist; anything
else between braces is left as written (so the preview shows the mistake).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from django.utils.translation import gettext_lazy as _

from escalade.tickets.models import Ticket

VARIABLE = re.compile(r"\{\{\s*([a-z_]+(?:\.[a-z_]+)?)\s*\}\}")

VARIABLES: dict[str, tuple[object, Callable[[Ticket], object]]] = {
    "ticket.reference": (_("the ticket's reference"), lambda t: t.reference),
    "ticket.title": (_("the ticket's title"), lambda t: t.title),
    "ticket.state": (_("the ticket's state"), lambda t: t.get_state_display()),
    "ticket.priority": (_("the ticket's priority"), lambda t: t.get_priority_display()),
    "requester.name": (_("the requester's name"), lambda t: t.requester.full_name),
    "requester.first_name": (_("the requester's first name"), lambda t: t.requester.get_short_name()),
    "requester.email": (_("the requester's e-mail address"), lambda t: t.requester.email),
    "organisation.name": (_("the organisation's name"), lambda t: t.organisation.name),
    "team.name": (_("the team's name"), lambda t: t.team.name if t.team else ""),
    "agent.name": (_("the assigned agent's name"), lambda t: t.assignee.full_name if t.assignee else ""),
}
# The macros' historical names (``{{reference}}``) keep working.
ALIASES = {
    "reference": "ticket.reference", "title": "ticket.title", "requester_name": "requester.name",
    "requester_first_name": "requester.first_name", "organisation": "organisation.name",
    "agent_name": "agent.name",
}  # fmt: skip


def template_render(*, text: str, ticket: Ticket, given: Mapping[str, str] | None = None) -> str:
    """``text`` with its known variables filled in from ``ticket`` (each read at most once); ``given``
    sets some of them (a macro's ``agent.name`` is the agent applying it)."""
    values: dict[str, str] = dict(given or {})

    def value(match: re.Match[str]) -> str:
        name = ALIASES.get(match.group(1), match.group(1))
        if name not in VARIABLES and name not in values:
            return match.group(0)
        if name not in values:
            values[name] = str(VARIABLES[name][1](ticket) or "")
        return values[name]

    return VARIABLE.sub(value, text)


def template_variables() -> list[tuple[str, str]]:
    """The variables a template may use, with what each means (for the forms' help)."""
    return [(f"{{{{ {name} }}}}", str(label)) for name, (label, _getter) in VARIABLES.items()]
