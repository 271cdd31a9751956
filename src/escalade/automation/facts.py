"""The facts rule conditions read about a ticket and its event, each read lazily and once."""

from __future__ import annotations

from django.utils import timezone

from escalade.automation.conditions import fold
from escalade.core.models import Event
from escalade.tickets.models import Ticket

PLAIN = frozenset(
    {"title", "description", "kind", "state", "priority", "impact", "urgency", "channel", "support_level",
     "is_out_of_contract"}
)  # fmt: skip
RELATED = frozenset({"organisation", "category", "team", "assignee", "contract"})


class TicketFacts:
    """:class:`~escalade.automation.conditions.Facts` of ``ticket`` as ``event`` left it."""

    def __init__(self, ticket: Ticket, event: Event) -> None:
        self.ticket, self.event = ticket, event
        self._known: dict[str, object] = {}
        self._folded: dict[str, str | list[str]] = {}

    def get(self, field: str) -> object:
        if field not in self._known:
            self._known[field] = self._read(field)
        return self._known[field]

    def folded(self, field: str) -> str | list[str]:
        known = self._folded.get(field)
        if known is None:
            known = self._folded[field] = fold(self.get(field))
        return known

    def _read(self, field: str) -> object:  # noqa: PLR0911 - one answer per kind of fact
        ticket = self.ticket
        if field in PLAIN:
            return getattr(ticket, field)
        if field in RELATED:
            return getattr(ticket, f"{field}_id")
        if field == "text":
            return f"{ticket.title}\n{ticket.description}"
        if field == "tags":
            return list(ticket.tags.values_list("name", flat=True))
        if field.startswith("requester."):
            requester = ticket.requester
            attribute = {"name": "full_name"}.get(field.split(".", 1)[1], field.split(".", 1)[1])
            return getattr(requester, attribute)
        if field == "organisation.name":
            return ticket.organisation.name
        if field.startswith("previous."):
            name = field.split(".", 1)[1]
            change = self.event.changes.get(name)
            return change.get("from") if isinstance(change, dict) else self.get(name)
        if field.startswith("changed."):
            return field.split(".", 1)[1] in self.event.changes
        if field == "in_business_hours":
            return _in_business_hours(ticket)
        return None


def _in_business_hours(ticket: Ticket) -> bool:
    from escalade.sla.businesstime import next_working_instant  # noqa: PLC0415
    from escalade.sla.selectors import NO_CALENDAR, policy_with_calendar, working_calendar  # noqa: PLC0415

    now = timezone.now()
    policy = policy_with_calendar(policy_id=ticket.sla_policy_id)
    calendar = working_calendar(calendar=policy.calendar, around=[now]) if policy else NO_CALENDAR
    return next_working_instant(calendar=calendar, moment=now) == now
