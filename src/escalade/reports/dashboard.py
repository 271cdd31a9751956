"""The desk's dashboard, live: backlog by level/team/status, at risk and breached, unassigned, today's
intake against resolutions, each agent's load against their capacity, planned absences.

Supervisors and administrators see the whole desk; an agent sees their own part (their tickets, and
the backlog of the clients their teams serve). Every figure is a grouped count over open tickets
(partial indexes) or today's rollups: a fixed number of queries whatever the size of the desk.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, QuerySet, Sum
from django.utils import timezone

from escalade import authz
from escalade.accounts.models import Team, User
from escalade.core.db import aggregation_memory
from escalade.reports.facts import local_day
from escalade.reports.models import Absence, Capacity, DailyRollup
from escalade.tickets.models import AT_RISK, BREACHED, OPEN_STATE_VALUES, Ticket

DEFAULT_CAPACITY = 20
ABSENCE_HORIZON_DAYS = 14


@dataclass(kw_only=True)
class AgentLoad:
    agent: User
    by_priority: dict[int, int] = field(default_factory=dict)
    at_risk: int = 0
    oldest: dt.datetime | None = None
    capacity: int = DEFAULT_CAPACITY
    absent_today: bool = False

    @property
    def total(self) -> int:
        return sum(self.by_priority.values())

    @property
    def load_percent(self) -> int:
        return round(100 * self.total / self.capacity) if self.capacity else 0

    @property
    def overloaded(self) -> bool:
        return self.total > self.capacity


@dataclass(kw_only=True)
class Dashboard:
    backlog: list[dict[str, object]]
    by_state: dict[str, int]
    by_level: dict[int, int]
    at_risk: int
    breached: int
    unassigned: int
    intake_today: int
    resolved_today: int
    agents: list[AgentLoad]
    absences: list[Absence]
    is_whole_desk: bool


def _open_tickets(user: User) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(state__in=OPEN_STATE_VALUES)
    if authz.sees_all_organisations(user):
        return tickets
    return tickets.filter(organisation_id__in=authz.served_organisation_ids(user))


def dashboard_for(*, user: User, now: dt.datetime | None = None) -> Dashboard:
    """The dashboard as ``user`` may see it."""
    now = now or timezone.now()
    today = local_day(now)
    whole = authz.sees_all_organisations(user)
    # One pass over the open tickets (a partial index) gives the backlog, the at-risk, breached and
    # unassigned counts and, for the whole desk, each agent's load: about a hundred thousand open tickets
    # at a million were three scans (a few thousand groups come back).
    with aggregation_memory():
        rows: list[Any] = list(
            _open_tickets(user)
            .values("support_level", "team_id", "state", "assignee_id", "priority")
            .annotate(
                count=Count("pk"), at_risk=Count("pk", filter=AT_RISK), breached=Count("pk", filter=BREACHED),
                oldest=Min("created_at"),
            )
            .order_by()
        )  # fmt: skip
    grouped: dict[tuple[int, int | None, str], int] = {}
    for row in rows:
        key = (row["support_level"], row["team_id"], row["state"])
        grouped[key] = grouped.get(key, 0) + row["count"]
    teams = {team.pk: team.name for team in Team.objects.filter(pk__in={key[1] for key in grouped})}
    backlog: list[dict[str, object]] = []
    by_state: dict[str, int] = {}
    by_level: dict[int, int] = {}
    for (level, team_id, state), count in sorted(grouped.items(), key=lambda item: _backlog_order(item[0])):
        backlog.append({
            "support_level": level, "team_id": team_id, "state": state, "count": count,
            "team": teams.get(team_id, "—") if team_id is not None else "—",
        })  # fmt: skip
        by_state[state] = by_state.get(state, 0) + count
        by_level[level] = by_level.get(level, 0) + count
    today_rows = DailyRollup.objects.filter(day=today)
    if not whole:
        today_rows = today_rows.filter(organisation_id__in=authz.served_organisation_ids(user))
    today_counts = today_rows.aggregate(created=Sum("created"), resolved=Sum("resolved"))
    return Dashboard(
        backlog=backlog, by_state=by_state, by_level=by_level,
        at_risk=sum(row["at_risk"] for row in rows), breached=sum(row["breached"] for row in rows),
        unassigned=sum(row["count"] for row in rows if row["assignee_id"] is None),
        intake_today=today_counts["created"] or 0, resolved_today=today_counts["resolved"] or 0,
        agents=agent_loads(user=user, today=today, open_rows=rows if whole else None),
        absences=absences_ahead(user=user, today=today),
        is_whole_desk=whole,
    )  # fmt: skip


def _backlog_order(key: tuple[int, int | None, str]) -> tuple[int, bool, int, str]:
    level, team_id, state = key
    return (level, team_id is None, team_id or 0, state)  # as PostgreSQL orders them: no team last


def agent_loads(*, user: User, today: dt.date, open_rows: list[Any] | None = None) -> list[AgentLoad]:
    """Open tickets per agent and priority, those at risk, the oldest, against capacity (an agent:
    their own line only). ``open_rows``: the whole desk's open tickets grouped by assignee and
    priority (among other columns), when the caller has read them already."""
    agents = User.objects.filter(is_active=True, role__in=("agent", "supervisor")).order_by("full_name")
    if not authz.sees_all_organisations(user):
        agents = agents.filter(pk=user.pk)
    loads = {agent.pk: AgentLoad(agent=agent) for agent in agents}
    rows: Iterable[Any] = open_rows if open_rows is not None else (
        Ticket.objects.filter(state__in=OPEN_STATE_VALUES, assignee_id__in=list(loads))
        .values("assignee_id", "priority")
        .annotate(count=Count("pk"), at_risk=Count("pk", filter=AT_RISK), oldest=Min("created_at"))
    )  # fmt: skip
    for row in rows:
        load = loads.get(row["assignee_id"])
        if load is None:  # unassigned, or an inactive or client person
            continue
        load.by_priority[row["priority"]] = load.by_priority.get(row["priority"], 0) + row["count"]
        load.at_risk += row["at_risk"]
        load.oldest = min(filter(None, [load.oldest, row["oldest"]]), default=None)
    for capacity in Capacity.objects.filter(user_id__in=list(loads)):
        loads[capacity.user_id].capacity = capacity.open_tickets
    for absence in Absence.objects.filter(user_id__in=list(loads), starts_on__lte=today, ends_on__gte=today):
        loads[absence.user_id].absent_today = True
    return sorted(loads.values(), key=lambda load: (-load.load_percent, str(load.agent)))


def absences_ahead(*, user: User, today: dt.date) -> list[Absence]:
    """Absences running today or starting within two weeks."""
    absences = Absence.objects.select_related("user").filter(
        ends_on__gte=today, starts_on__lte=today + dt.timedelta(days=ABSENCE_HORIZON_DAYS)
    )
    if not authz.sees_all_organisations(user):
        absences = absences.filter(user=user)
    return list(absences.order_by("starts_on", "user_id"))


def absent_user_ids(*, day: dt.date) -> set[int]:
    """The people away on ``day`` (auto-assignment may skip them)."""
    return set(Absence.objects.filter(starts_on__lte=day, ends_on__gte=day).values_list("user_id", flat=True))
