"""Reads of the agent workspace: queues, their counters, one page of a queue, macros, saved views.

Every queue starts from ``authz.tickets_visible_to``. Counters are capped (``COUNTER_CAP``) with a
``LIMIT`` inside the count, so they stay fast on a million tickets; lists page by keyset on
(resolution due, nulls last; id), never by OFFSET.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields

from django.db.models import Count, F, Min, Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from escalade import authz
from escalade.accounts.models import Role, Team, User
from escalade.contracts.models import Contract
from escalade.core.text import row_id
from escalade.sla.clock import ClockState
from escalade.sla.selectors import sla_timeline
from escalade.tickets.choices import OPEN_STATES, PENDING_STATES
from escalade.tickets.models import AT_RISK, BREACHED, Attachment, Tag, Ticket, TicketLink
from escalade.tickets.selectors import TimelineRow, attachments_visible, timeline_rows
from escalade.workspace.models import Macro, PhoneCall, SavedView

COUNTER_CAP = 99
PAGE_SIZE = 50
COMPACT_PAGE_SIZE = 100  # the denser queue (one line per ticket) shows twice the rows
LIST_RELATED = ("organisation", "requester", "assignee", "category", "team")
CLIENT_ROLES = (Role.REQUESTER, Role.CLIENT_MANAGER)


@dataclass(frozen=True)
class Queue:
    """A named selection of tickets for an agent."""

    key: str
    label: Promise
    condition: Callable[[User], Q]


def _my_teams(user: User) -> Q:
    return Q(team__in=Team.objects.filter(members=user, is_active=True).values("pk"))


_OPEN = Q(state__in=OPEN_STATES)
_BREACHED = BREACHED
QUEUES: dict[str, Queue] = {
    queue.key: queue
    for queue in (
        Queue("mine", _("My tickets"), lambda user: _OPEN & Q(assignee=user)),
        Queue("team", _("My teams"), lambda user: _OPEN & _my_teams(user)),
        Queue("unassigned", _("Unassigned"), lambda user: _OPEN & Q(assignee__isnull=True)),
        Queue("at_risk", _("At risk"), lambda user: _OPEN & AT_RISK),
        Queue("breached", _("Breached"), lambda user: _OPEN & _BREACHED),
        Queue("pending", _("Pending"), lambda user: Q(state__in=PENDING_STATES)),
        Queue("out_of_contract", _("Out of contract"), lambda user: _OPEN & Q(is_out_of_contract=True)),
        Queue("all_open", _("All open"), lambda user: _OPEN),
    )
}


@dataclass(frozen=True)
class TicketFilters:
    """The filters of a queue, as strings from the query string (empty: no filter)."""

    organisation: str = ""
    category: str = ""
    priority: str = ""
    state: str = ""
    level: str = ""
    channel: str = ""
    assignee: str = ""
    tag: str = ""
    q: str = ""

    @classmethod
    def from_query(cls, query: object) -> TicketFilters:
        get = getattr(query, "get", None)
        if get is None:
            return cls()
        return cls(**{f.name: str(get(f.name, "") or "").strip()[:120] for f in fields(cls)})

    def as_dict(self) -> dict[str, str]:
        return {name: value for name, value in asdict(self).items() if value}

    def condition(self) -> Q:
        """The filters as one condition; ids that are not numbers (or beyond 64 bits) are ignored."""
        condition = Q()
        numeric = {"organisation": "organisation_id", "category": "category_id", "priority": "priority",
                   "level": "support_level"}  # fmt: skip
        for name, lookup in numeric.items():
            value = row_id(getattr(self, name))
            if value is not None:
                condition &= Q(**{lookup: value})
        assignee = row_id(self.assignee)
        if self.assignee == "none":
            condition &= Q(assignee__isnull=True)
        elif assignee is not None:
            condition &= Q(assignee_id=assignee)
        if self.state:
            condition &= Q(state=self.state)
        if self.channel:
            condition &= Q(channel=self.channel)
        if self.tag:
            condition &= Q(tags__name=self.tag.lower())
        if self.q:
            condition &= Q(reference__iexact=self.q) | Q(title__icontains=self.q)
        return condition


def queue_tickets(*, user: User, queue: str, filters: TicketFilters) -> QuerySet[Ticket]:
    """The visible tickets of ``queue`` matching ``filters`` (not ordered)."""
    chosen = QUEUES.get(queue, QUEUES["mine"])
    return authz.tickets_visible_to(user).filter(chosen.condition(user)).filter(filters.condition())


def queue_counters(*, user: User) -> dict[str, str]:
    """How many tickets each queue holds, capped: "99+" beyond ``COUNTER_CAP`` (one small query each)."""
    visible = authz.tickets_visible_to(user)
    counters: dict[str, str] = {}
    for key, queue in QUEUES.items():
        # Unordered: with the model's default order (newest first) and the cap, the planner may walk
        # the whole table backwards by id looking for a few matches (0.6 s at 1M for "at risk").
        found = visible.filter(queue.condition(user)).order_by().values("pk")[: COUNTER_CAP + 1].count()
        counters[key] = f"{COUNTER_CAP}+" if found > COUNTER_CAP else str(found)
    return counters


def _cursor_condition(cursor: str) -> Q | None:
    due_text, _sep, id_text = cursor.partition("~")
    last_id = row_id(id_text)
    if last_id is None:
        return None
    if due_text == "none":
        return Q(resolution_due__isnull=True, id__gt=last_id)
    due = parse_datetime(due_text)
    if due is None:
        return None
    return Q(resolution_due__gt=due) | Q(resolution_due=due, id__gt=last_id) | Q(resolution_due__isnull=True)


def cursor_of(ticket: Ticket) -> str:
    due = ticket.resolution_due
    return f"{due.astimezone(dt.UTC).isoformat() if due else 'none'}~{ticket.pk}"


def queue_page(
    tickets: QuerySet[Ticket], *, after: str = "", page_size: int = PAGE_SIZE
) -> tuple[list[Ticket], str]:
    """One page of ``tickets``, nearest resolution due date first (no due date last), and the cursor
    of the next page ("" when this is the last)."""
    condition = _cursor_condition(after) if after else None
    if condition is not None:
        tickets = tickets.filter(condition)
    order = (F("resolution_due").asc(nulls_last=True), "id")
    # The page's ids first, from the tickets table alone (its indexes), then their related rows: the
    # planner cannot join the people, organisations and teams of thousands of matches before the sort.
    page = tickets.order_by(*order).values("pk")[: page_size + 1]
    ordered = (
        Ticket.objects.filter(pk__in=page)
        .select_related(*LIST_RELATED)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("name")))
        .order_by(*order)
    )
    rows = list(ordered)
    next_cursor = cursor_of(rows[page_size - 1]) if len(rows) > page_size else ""
    return rows[:page_size], next_cursor


def saved_views_for(*, user: User) -> QuerySet[SavedView]:
    """The agent's own views and those shared with their teams."""
    return SavedView.objects.filter(Q(owner=user) | _my_teams(user)).select_related("team")


def macros_for(*, user: User) -> QuerySet[Macro]:
    """Active macros the agent may use: their own and their teams'."""
    return (
        Macro.objects.filter(is_active=True)
        .filter(Q(owner=user) | _my_teams(user))
        .select_related("team", "category")
    )


def macros_editable_by(*, user: User) -> QuerySet[Macro]:
    """The macros ``user`` may change: their own, and their teams' (shared ones)."""
    return Macro.objects.filter(Q(owner=user) | _my_teams(user)).select_related("team", "category")


def assignable_people(*, user: User) -> QuerySet[User]:
    """Agents in teams that serve the organisations ``user`` works for (for filters and assignment)."""
    organisations = authz.organisations_visible_to(user).values("pk")
    return (
        User.objects.filter(is_active=True, teams__organisations__in=organisations, teams__is_active=True)
        .distinct()
        .only("pk", "full_name", "email")  # the e-mail: their label in the assignment lists
        .order_by("full_name", "pk")
    )


def people_to_assign(*, user: User, organisation_id: int | None = None) -> QuerySet[User]:
    """The agents of active teams serving the clients ``user`` works for (or only ``organisation_id``),
    each with their level (the lowest of those teams), for the assignment lists; their loads come
    from ``open_loads`` once the list is read."""
    organisations = authz.organisations_visible_to(user).values("pk")
    if organisation_id is not None:
        organisations = organisations.filter(pk=organisation_id)
    return (
        User.objects.filter(is_active=True, teams__organisations__in=organisations, teams__is_active=True)
        .annotate(level=Min("teams__support_level"))
        .only("pk", "full_name", "email")
        .order_by("full_name", "pk")
    )


def open_loads(*, people_ids: Iterable[int]) -> dict[int, int]:
    """How many open tickets each of these people has assigned: one grouped query over their open
    tickets only, on the (assignee, state, …) index; never a count over all tickets."""
    ids = list(people_ids)
    if not ids:
        return {}
    rows = (
        Ticket.objects.filter(assignee_id__in=ids, state__in=OPEN_STATES)
        .values("assignee_id")
        .annotate(load=Count("id"))
        .order_by()
    )
    return {row["assignee_id"]: row["load"] for row in rows}


def serves(*, user: User, organisation_id: int) -> bool:
    """Is ``user`` in an active team serving the organisation (so they can be a ticket's assignee)?"""
    return user.teams.filter(is_active=True, organisations=organisation_id).exists()


def teams_to_move(*, ticket: Ticket, up: bool) -> QuerySet[Team]:
    """The active teams serving the ticket's client above (escalation) or below (hand back) its level."""
    level = {"support_level__gt" if up else "support_level__lt": ticket.support_level}
    return Team.objects.filter(is_active=True, organisations=ticket.organisation_id, **level).order_by(
        "support_level", "name"
    )


def teams_serving(*, user: User) -> QuerySet[Team]:
    organisations = authz.organisations_visible_to(user).values("pk")
    return Team.objects.filter(is_active=True, organisations__in=organisations).distinct()


# How the timeline names each event (replies and notes show as follow-ups instead).
@dataclass(frozen=True)
class TicketPage:
    """Everything the agent's ticket page shows, read in a fixed number of queries."""

    ticket: Ticket
    clock: ClockState
    timeline: list[TimelineRow]
    attachments: list[Attachment]
    recent_tickets: list[Ticket]
    calls: list[PhoneCall]
    links: list[TicketLink]


def ticket_for_page(*, user: User, reference: str) -> Ticket | None:
    # Five joins, and small primary-key reads for the rest: planning a ten-table join costs PostgreSQL
    # more (~5 ms) than running it.
    return (
        authz.tickets_visible_to(user)
        .select_related(*LIST_RELATED)
        .prefetch_related(
            "contract",  # the SLA policy is read with its calendar by sla_timeline
            "merged_into",
            "requester__site",
            Prefetch("tags", queryset=Tag.objects.only("name")),
        )
        .filter(reference=reference)
        .first()
    )


def ticket_heading(*, user: User, reference: str) -> Ticket | None:
    """A visible ticket's reference and title: all that an action's form needs of it."""
    return (
        authz.tickets_visible_to(user)
        .filter(reference=reference)
        .only("pk", "reference", "title", "organisation_id", "support_level", "team_id")
        .first()
    )


def ticket_page(*, user: User, ticket: Ticket) -> TicketPage:
    """The ticket page's data: SLA clock and timeline, conversation, files, requester's recent tickets."""
    recent = (
        authz.tickets_visible_to(user)
        .filter(requester_id=ticket.requester_id)
        .exclude(pk=ticket.pk)
        .only("pk", "reference", "title", "state", "created_at")
        .order_by("-id")[:5]
    )
    # Only what the page shows: the full rows of two tickets and two people cost more to compile than to read.
    links = (
        TicketLink.objects.filter(Q(source=ticket) | Q(target=ticket))
        .select_related("source", "target")
        .only("kind", "source", "target", "source__reference", "target__reference")
    )
    calls = ticket.calls.select_related("agent").only("started_at", "duration_seconds", "agent__full_name")
    return TicketPage(
        ticket=ticket,
        clock=sla_timeline(ticket=ticket),
        timeline=timeline_rows(ticket=ticket, viewer=user),
        attachments=list(attachments_visible(ticket=ticket, viewer=user)),
        recent_tickets=list(recent),
        calls=list(calls.order_by("-id")[:10]),
        links=list(links),
    )


def callers_matching(*, user: User, text: str, limit: int = 8) -> list[User]:
    """People the agent may look up whose name, e-mail or phone contains ``text`` (3 characters or more)."""
    text = text.strip()
    if len(text) < 3:
        return []
    digits = "".join(ch for ch in text if ch.isdigit())
    condition = Q(full_name__icontains=text) | Q(email__icontains=text)
    if len(digits) >= 4:  # stored numbers have spaces, dots or a +33 prefix: match the digits in order
        condition |= Q(phone__regex=r"\D*".join(digits[-9:]))
    people = authz.people_visible_to(user).filter(is_active=True, role__in=CLIENT_ROLES).filter(condition)
    return list(people.select_related("organisation").order_by("full_name", "pk")[:limit])


def caller_card(*, user: User, caller: User) -> tuple[list[Ticket], Contract | None]:
    """A caller's open tickets (visible to ``user``) and their organisation's current contract."""
    open_tickets = list(
        authz.tickets_visible_to(user)
        .filter(requester=caller, state__in=OPEN_STATES)
        .only("pk", "reference", "title", "state", "resolution_due")
        .order_by("-id")[:10]
    )
    contract = (
        Contract.objects.filter(organisation_id=caller.organisation_id, is_active=True)
        .order_by("-starts_on", "-pk")
        .first()
    )
    return open_tickets, contract
