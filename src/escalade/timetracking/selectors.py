"""Reads of time tracking: a ticket's entries and totals, an agent's totals, a client's consumption."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from escalade.accounts.models import User
from escalade.contracts.models import HourPackage
from escalade.orgs.models import Organisation
from escalade.tickets.models import Ticket
from escalade.timetracking.models import ActivityType, RunningTimer, TimeEntry


@dataclass(frozen=True)
class Totals:
    """Minutes spent, of which billable, and billed after rounding."""

    minutes: int = 0
    billable_minutes: int = 0
    billed_minutes: int = 0
    entries: int = 0


def _totals(entries: QuerySet[TimeEntry]) -> Totals:
    sums = entries.aggregate(
        spent=Coalesce(Sum("minutes"), 0),
        billable=Coalesce(Sum("minutes", filter=Q(is_billable=True)), 0),
        billed=Coalesce(Sum("billed_minutes"), 0),
        count=Count("pk"),
    )
    return Totals(sums["spent"], sums["billable"], sums["billed"], sums["count"])


def ticket_entries(*, ticket: Ticket) -> list[TimeEntry]:
    """A ticket's entries, newest first, with agent and activity (one query)."""
    return list(
        TimeEntry.objects.filter(ticket=ticket)
        .select_related("agent", "activity")
        .order_by("-worked_on", "-id")
    )


def ticket_totals(*, ticket: Ticket) -> Totals:
    return _totals(TimeEntry.objects.filter(ticket=ticket))


def agent_totals(*, agent: User, period_start: dt.date, period_end: dt.date) -> Totals:
    """What ``agent`` logged between the two dates (both included)."""
    return _totals(TimeEntry.objects.filter(agent=agent, worked_on__range=(period_start, period_end)))


def running_timer(*, agent: User, ticket: Ticket) -> RunningTimer | None:
    return RunningTimer.objects.filter(agent=agent, ticket=ticket).first()


def activity_types() -> QuerySet[ActivityType]:
    return ActivityType.objects.filter(is_active=True).order_by("code")


@dataclass(frozen=True)
class PackageConsumption:
    """One hour package of a client over a period (minutes): what the period drew and billed beyond
    the credit, and the package's state now."""

    package_id: int
    name: str
    contract_name: str
    starts_on: dt.date
    ends_on: dt.date
    available_minutes: int
    consumed_minutes: int  # in the period
    overage_minutes: int  # in the period
    consumed_total_minutes: int  # since the package started
    overage_total_minutes: int
    remaining_minutes: int

    @property
    def used_percent(self) -> int:
        if not self.available_minutes:
            return 100 if self.consumed_total_minutes or self.overage_total_minutes else 0
        return round(
            100 * (self.consumed_total_minutes + self.overage_total_minutes) / self.available_minutes
        )


def consumption(
    *, organisation: Organisation, period_start: dt.date, period_end: dt.date
) -> list[PackageConsumption]:
    """The hour packages of ``organisation`` valid during the period (both dates included), each with
    the hours its billable entries of the period drew and the overage, plus its running totals.

    Two queries: the packages, and one grouped range scan of the (organisation, date) index. The
    monthly client report calls this.
    """
    packages = list(
        HourPackage.objects.filter(
            contract__organisation=organisation, starts_on__lte=period_end, ends_on__gte=period_start
        )
        .select_related("contract")
        .order_by("starts_on", "pk")
    )
    sums: dict[int, tuple[int, int]] = {
        row["package"]: (row["drawn"] or 0, row["overage"] or 0)
        for row in TimeEntry.objects.filter(
            organisation=organisation, worked_on__range=(period_start, period_end), package__isnull=False
        )
        .values("package")
        .annotate(drawn=Sum("drawn_minutes"), overage=Sum("overage_minutes"))
        .order_by()
    }
    return [
        PackageConsumption(
            package_id=package.pk,
            name=package.name,
            contract_name=package.contract.name,
            starts_on=package.starts_on,
            ends_on=package.ends_on,
            available_minutes=package.available_minutes,
            consumed_minutes=sums.get(package.pk, (0, 0))[0],
            overage_minutes=sums.get(package.pk, (0, 0))[1],
            consumed_total_minutes=package.consumed_minutes,
            overage_total_minutes=package.overage_minutes,
            remaining_minutes=package.remaining_minutes,
        )
        for package in packages
    ]


def billable_entries(
    *, entries: QuerySet[TimeEntry], period_start: dt.date, period_end: dt.date
) -> QuerySet[TimeEntry]:
    """Billable entries of a period (from a scoped queryset), oldest first, ready for a list or export."""
    return (
        entries.filter(is_billable=True, worked_on__range=(period_start, period_end))
        .select_related("ticket", "agent", "activity", "organisation", "package")
        .order_by("worked_on", "id")
    )


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the month of ``month``."""
    start = month.replace(day=1)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    return start, following - dt.timedelta(days=1)
