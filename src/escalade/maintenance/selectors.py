"""Reads of preventive maintenance: who sees which plans and occurrences, the month calendar, the
compliance of a client over a period, and the renewals forecast."""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from escalade import authz
from escalade.accounts.models import Role, User
from escalade.maintenance.models import ExpiringItem, MaintenanceOccurrence, MaintenancePlan, OccurrenceState


def organisation_ids_of(user: authz.AnyUser) -> frozenset[int]:
    """The clients whose maintenance ``user`` sees: the served ones for provider staff, their own
    organisation for a client manager, none for a requester."""
    if authz.is_provider_staff(user):
        return authz.served_organisation_ids(user)
    if authz.signed_in(user) and isinstance(user, User) and user.role == Role.CLIENT_MANAGER:
        return frozenset({user.organisation_id})
    return frozenset()


def can_manage_plans(user: authz.AnyUser) -> bool:
    """Supervisors and administrators create and change plans."""
    return authz.sees_all_organisations(user)


def can_view_maintenance(user: authz.AnyUser) -> bool:
    return authz.is_provider_staff(user)


def plans_visible_to(user: authz.AnyUser) -> QuerySet[MaintenancePlan]:
    return MaintenancePlan.objects.filter(organisation_id__in=sorted(organisation_ids_of(user)))


def occurrences_visible_to(user: authz.AnyUser) -> QuerySet[MaintenanceOccurrence]:
    return MaintenanceOccurrence.objects.filter(organisation_id__in=sorted(organisation_ids_of(user)))


@dataclass(frozen=True)
class CalendarFilter:
    organisation_id: int | None = None
    team_id: int | None = None
    agent_id: int | None = None

    def apply(self, occurrences: QuerySet[MaintenanceOccurrence]) -> QuerySet[MaintenanceOccurrence]:
        if self.organisation_id is not None:
            occurrences = occurrences.filter(organisation_id=self.organisation_id)
        if self.team_id is not None:
            occurrences = occurrences.filter(team_id=self.team_id)
        if self.agent_id is not None:
            occurrences = occurrences.filter(agent_id=self.agent_id)
        return occurrences


@dataclass(frozen=True)
class Day:
    date: dt.date
    in_month: bool
    occurrences: tuple[MaintenanceOccurrence, ...]


def month_grid(
    *, occurrences: QuerySet[MaintenanceOccurrence], month: dt.date, time_zone: str
) -> list[list[Day]]:
    """The weeks (Monday first) of ``month`` with the occurrences of each day, in ``time_zone``; one
    query over the (organisation, scheduled_for) index."""
    zone = ZoneInfo(time_zone)
    weeks = month_calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
    first, last = weeks[0][0], weeks[-1][-1]
    start = dt.datetime.combine(first, dt.time(), tzinfo=zone)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), tzinfo=zone)
    by_day: dict[dt.date, list[MaintenanceOccurrence]] = defaultdict(list)
    rows = occurrences.filter(scheduled_for__gte=start, scheduled_for__lt=end).select_related(
        "plan", "ticket", "agent", "organisation"
    )
    for occurrence in rows.order_by("scheduled_for", "id")[:2000]:
        by_day[occurrence.scheduled_for.astimezone(zone).date()].append(occurrence)
    return [
        [
            Day(date=day, in_month=day.month == month.month, occurrences=tuple(by_day.get(day, ())))
            for day in week
        ]
        for week in weeks
    ]


@dataclass(frozen=True)
class Compliance:
    """A client's checks of a period: those due, done in time, done late, failed, overdue."""

    organisation_id: int
    organisation: str
    due: int
    on_time: int
    late: int
    failed: int
    overdue: int

    @property
    def on_time_percent(self) -> int | None:
        return round(100 * self.on_time / self.due) if self.due else None


def compliance(*, organisation_ids: frozenset[int], start: dt.datetime, end: dt.datetime) -> list[Compliance]:
    """Per client, the occurrences scheduled in [start, end) that fell due by now: one grouped query."""
    now = timezone.now()
    on_time = Q(completed_at__isnull=False, completed_at__lte=F("due_at"))
    rows = (
        MaintenanceOccurrence.objects.filter(
            organisation_id__in=sorted(organisation_ids), scheduled_for__gte=start, scheduled_for__lt=end
        )
        .filter(Q(due_at__lte=now) | Q(completed_at__isnull=False))
        .values("organisation_id", "organisation__name")
        .annotate(
            due=Count("id"),
            on_time=Count("id", filter=on_time),
            late=Count("id", filter=Q(completed_at__gt=F("due_at"))),
            failed=Count("id", filter=Q(state=OccurrenceState.FAILED)),
            overdue=Count("id", filter=Q(state__in=(OccurrenceState.MISSED, OccurrenceState.SCHEDULED))),
        )
        .order_by("organisation__name")
    )
    return [
        Compliance(
            organisation_id=row["organisation_id"],
            organisation=row["organisation__name"],
            due=row["due"],
            on_time=row["on_time"],
            late=row["late"],
            failed=row["failed"],
            overdue=row["overdue"],
        )
        for row in rows
    ]


def upcoming(*, occurrences: QuerySet[MaintenanceOccurrence], limit: int = 50) -> list[MaintenanceOccurrence]:
    """The next open occurrences, soonest first."""
    return list(
        occurrences.filter(state=OccurrenceState.SCHEDULED, scheduled_for__gte=timezone.now())
        .select_related("plan", "ticket", "agent", "organisation")
        .order_by("scheduled_for", "id")[:limit]
    )


def forecast(
    *, organisation_ids: frozenset[int], today: dt.date | None = None, months: int = 12
) -> list[tuple[dt.date, list[ExpiringItem]]]:
    """The items expiring in each of the next ``months`` months (the month's first day, its items)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    end_year, end_month = divmod(first.month - 1 + months, 12)
    end = dt.date(first.year + end_year, end_month + 1, 1)
    items = (
        ExpiringItem.objects.filter(
            organisation_id__in=sorted(organisation_ids), expires_on__gte=today, expires_on__lt=end
        )
        .select_related("organisation", "owner", "renewal_ticket")
        .order_by("expires_on", "id")[:5000]
    )
    grouped: dict[dt.date, list[ExpiringItem]] = defaultdict(list)
    for item in items:
        grouped[item.expires_on.replace(day=1)].append(item)
    found = []
    month = first
    for _index in range(months):
        found.append((month, grouped.get(month, [])))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return found
