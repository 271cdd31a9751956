"""Reads of the reports: figures of a period from the daily rollups, exact percentiles from the fact
rows, breaches, satisfaction by agent/team/client/category, backlog age, and the extra sections other
apps register (``sections``)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Team, User
from escalade.kb.models import Deflection
from escalade.orgs.models import Organisation
from escalade.reports.models import DailyRollup, TicketFact
from escalade.reports.rollups import contribution
from escalade.tickets.models import OPEN_STATE_VALUES, Category, Ticket

COUNTERS = tuple(
    f.attname
    for f in DailyRollup._meta.concrete_fields
    if f.attname not in {"id", "day", "organisation_id", "team_id", "category_id", "channel"}
)
AGE_BANDS: tuple[tuple[int, int | None], ...] = ((0, 1), (1, 3), (3, 7), (7, 30), (30, None))


@dataclass(frozen=True, kw_only=True)
class ReportFilters:
    """A period (days included) and optional client, team, agent, category and channel.

    ``organisation_ids`` is the set the viewer may see (authz), narrowed by the client filter.
    """

    start: dt.date
    end: dt.date
    organisation_ids: frozenset[int]
    team_id: int | None = None
    agent_id: int | None = None
    category_id: int | None = None
    channel: str = ""

    def rollup_filter(self) -> dict[str, object]:
        found: dict[str, object] = {"day__gte": self.start, "day__lte": self.end}
        found["organisation_id__in"] = sorted(self.organisation_ids)
        if self.team_id is not None:
            found["team_id"] = self.team_id
        if self.category_id is not None:
            found["category_id"] = self.category_id
        if self.channel:
            found["channel"] = self.channel
        return found

    def facts(self) -> QuerySet[TicketFact]:
        query = TicketFact.objects.filter(organisation_id__in=sorted(self.organisation_ids))
        if self.team_id is not None:
            query = query.filter(team_id=self.team_id)
        if self.category_id is not None:
            query = query.filter(category_id=self.category_id)
        if self.channel:
            query = query.filter(channel=self.channel)
        if self.agent_id is not None:
            query = query.filter(assignee_id=self.agent_id)
        return query


@dataclass(frozen=True, kw_only=True)
class Table:
    """A titled table: what a chart shows, as numbers (the page, the PDF and the exports share it)."""

    key: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


@dataclass(kw_only=True)
class Figures:
    """The headline figures of a period."""

    counters: dict[str, int]
    first_response_median: float | None = None
    first_response_p90: float | None = None
    resolution_median: float | None = None
    resolution_p90: float | None = None
    kb_deflections: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    def rate(self, part: str, whole: str) -> float | None:
        """``part`` / ``whole`` in percent, None when nothing to divide."""
        total = self.counters.get(whole, 0)
        return round(100 * self.counters.get(part, 0) / total, 1) if total else None

    @property
    def csat_average(self) -> float | None:
        answers = self.counters.get("csat_answers", 0)
        return round(self.counters.get("csat_total", 0) / answers, 2) if answers else None


def percentile(values: Sequence[int], share: float) -> float | None:
    """The ``share`` percentile of sorted ``values`` by linear interpolation (PostgreSQL's
    ``percentile_cont``): the median of 1, 2, 3, 10 is 2.5."""
    if not values:
        return None
    position = (len(values) - 1) * share
    low = int(position)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (position - low), 3)


@dataclass(frozen=True, kw_only=True)
class RollupPass:
    """The rollups of a period read once, grouped by month and category: the counters, the volumes per
    month and the categories' volumes all come from it (a year of all clients is one scan of its
    rollup rows, not three)."""

    counters: dict[str, int]
    months: dict[dt.date, tuple[int, int]]  # first day of the month → (created, resolved)
    categories: dict[int | None, int]  # category id → created


def rollup_pass(*, filters: ReportFilters) -> RollupPass:
    """Read the period's rollups in one grouped statement (a few hundred rows: months × categories)."""
    rows: Iterable[Any] = (
        DailyRollup.objects.filter(**filters.rollup_filter())
        .annotate(month=TruncMonth("day"))
        .values("month", "category_id")
        .annotate(**{name: Sum(name) for name in COUNTERS})
        .order_by()
    )
    counters: Counter[str] = Counter()
    months: dict[dt.date, tuple[int, int]] = {}
    categories: Counter[int | None] = Counter()
    for row in rows:
        counters.update({name: int(row[name] or 0) for name in COUNTERS})
        created, resolved = months.get(row["month"], (0, 0))
        months[row["month"]] = (created + int(row["created"] or 0), resolved + int(row["resolved"] or 0))
        categories[row["category_id"]] += int(row["created"] or 0)
    return RollupPass(
        counters={name: counters.get(name, 0) for name in COUNTERS},
        months=dict(sorted(months.items())),
        categories=dict(categories),
    )


def _counters(filters: ReportFilters, rollups: RollupPass | None = None) -> dict[str, int]:
    if filters.agent_id is None:
        return (rollups or rollup_pass(filters=filters)).counters
    # Rollups carry no agent: an agent's figures come from their facts (a few thousand rows at most).
    total: Counter[str] = Counter()
    for fact in filters.facts():
        for bucket, counters in contribution(fact).items():
            if filters.start <= bucket[0] <= filters.end:
                total.update(counters)
    return {name: total.get(name, 0) for name in COUNTERS}


def _median_and_p90(filters: ReportFilters, day: str, seconds: str) -> tuple[float | None, float | None]:
    """The exact median and p90 of the durations of the period. PostgreSQL computes them with
    ``percentile_cont`` (a year of all clients is about a million durations, which are not worth
    sending to Python); SQLite sends the durations and ``percentile`` interpolates the same way."""
    query = filters.facts().filter(
        **{f"{day}__gte": filters.start, f"{day}__lte": filters.end, f"{seconds}__isnull": False}
    )
    if connection.vendor != "postgresql":
        values = sorted(query.values_list(seconds, flat=True))
        return percentile(values, 0.5), percentile(values, 0.9)
    inner, params = query.values_list(seconds).query.sql_with_params()
    with connection.cursor() as cursor:
        sql = (  # the ORM's own statement inside, its parameters apart
            "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d.s), "  # noqa: S608
            f"percentile_cont(0.9) WITHIN GROUP (ORDER BY d.s) FROM ({inner}) AS d (s)"
        )
        cursor.execute(sql, params)
        median, p90 = cursor.fetchone()
    return (
        round(median, 3) if median is not None else None,
        round(p90, 3) if p90 is not None else None,
    )


def report_figures(*, filters: ReportFilters, rollups: RollupPass | None = None) -> Figures:
    """The figures of a period: counters from the rollups, exact median and p90 from the facts."""
    figures = Figures(counters=_counters(filters, rollups))
    figures.first_response_median, figures.first_response_p90 = _median_and_p90(
        filters, "first_response_day", "first_response_seconds"
    )
    figures.resolution_median, figures.resolution_p90 = _median_and_p90(
        filters, "resolved_day", "resolution_seconds"
    )
    figures.kb_deflections = kb_deflections(filters=filters)
    return figures


def kb_deflections(*, filters: ReportFilters) -> int:
    """Articles that answered a requester who then logged no ticket, in the period."""
    start, end = _instants(filters)
    return Deflection.objects.filter(
        converted_ticket__isnull=True, created_at__gte=start, created_at__lt=end,
        user__organisation_id__in=sorted(filters.organisation_ids),
    ).count()  # fmt: skip


def _instants(filters: ReportFilters) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_default_timezone()
    start = dt.datetime.combine(filters.start, dt.time(0), tzinfo=zone)
    end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
    return start, end


def monthly_volumes(*, filters: ReportFilters, rollups: RollupPass | None = None) -> Table:
    """Created and resolved per month of the period (the trend chart)."""
    months = (rollups or rollup_pass(filters=filters)).months
    return Table(
        key="volumes",
        title=str(_("Volumes per month")),
        columns=(str(_("Month")), str(_("Created")), str(_("Resolved"))),
        rows=tuple((f"{month:%Y-%m}", created, resolved) for month, (created, resolved) in months.items()),
    )


def _names(
    model: type[Team] | type[Category] | type[Organisation] | type[User], ids: Iterable[int]
) -> dict[int, str]:
    return {obj.pk: str(obj) for obj in model.objects.filter(pk__in=set(ids))}


def satisfaction_by(*, filters: ReportFilters, dimension: str) -> Table:
    """Answers and average score per agent, team, client or category (resolved in the period)."""
    column, model, title = {
        "agent": ("assignee_id", User, _("Agent")),
        "team": ("team_id", Team, _("Team")),
        "client": ("organisation_id", Organisation, _("Client")),
        "category": ("category_id", Category, _("Category")),
    }[dimension]
    rows = list(
        filters.facts()
        .filter(resolved_day__gte=filters.start, resolved_day__lte=filters.end, csat_score__isnull=False)
        .values(column)
        .annotate(answers=Count("pk"), total=Sum("csat_score"))
        .order_by(column)
    )
    names = _names(model, (row[column] for row in rows))  # type: ignore[arg-type]
    return Table(
        key=f"csat_{dimension}",
        title=str(_("Satisfaction by %(what)s") % {"what": str(title).lower()}),
        columns=(str(title), str(_("Answers")), str(_("Average (1-5)"))),
        rows=tuple(
            (names.get(row[column], "—"), row["answers"], round(row["total"] / row["answers"], 2))
            for row in rows
        ),
    )


def top_categories(*, filters: ReportFilters, limit: int = 10, rollups: RollupPass | None = None) -> Table:
    """The categories with the most tickets created in the period."""
    found = (rollups or rollup_pass(filters=filters)).categories
    top = sorted(
        ((category_id, created) for category_id, created in found.items() if created > 0),
        key=lambda item: (-item[1], item[0] is None, item[0] or 0),
    )[:limit]
    names = _names(Category, (category_id for category_id, _created in top if category_id is not None))
    return Table(
        key="categories",
        title=str(_("Top categories")),
        columns=(str(_("Category")), str(_("Created"))),
        rows=tuple(
            (names.get(category_id, str(_("None"))) if category_id is not None else str(_("None")), created)
            for category_id, created in top
        ),
    )


@dataclass(frozen=True, kw_only=True)
class BreachRow:
    reference: str
    title: str
    target: str
    priority: int
    late_by_seconds: int | None
    reason: str


def breaches(*, filters: ReportFilters, limit: int = 200) -> list[BreachRow]:
    """The targets missed in the period (first responses given, tickets resolved), with a reason."""
    found: list[BreachRow] = []
    query = filters.facts().select_related("ticket")
    for kind, day, met in (
        (_("First response"), "first_response_day", "first_response_met"),
        (_("Resolution"), "resolved_day", "resolution_met"),
    ):
        rows = query.filter(**{f"{day}__gte": filters.start, f"{day}__lte": filters.end, met: False})
        found += [
            BreachRow(
                reference=fact.ticket.reference,
                title=fact.ticket.title,
                target=str(kind),
                priority=fact.priority,
                late_by_seconds=None,
                reason=_reason(fact),
            )
            for fact in rows.order_by(day, "pk")[:limit]
        ]
    return found


def _reason(fact: TicketFact) -> str:
    """Why the ticket was late, as far as its history tells."""
    reasons = []
    if fact.max_level >= 2:
        reasons.append(str(_("escalated to level %(level)d") % {"level": fact.max_level}))
    if fact.reopens:
        reasons.append(str(_("reopened %(count)d time(s)") % {"count": fact.reopens}))
    if fact.team_id == 0:
        reasons.append(str(_("no team")))
    return ", ".join(reasons) or str(_("handled at level 1 past the target"))


def breaches_table(*, filters: ReportFilters) -> Table:
    rows = breaches(filters=filters)
    return Table(
        key="breaches",
        title=str(_("SLA breaches")),
        columns=(str(_("Ticket")), str(_("Title")), str(_("Target")), str(_("Priority")), str(_("Reason"))),
        rows=tuple((row.reference, row.title, row.target, f"P{row.priority}", row.reason) for row in rows),
    )


def backlog_age(*, organisation_ids: Iterable[int], now: dt.datetime | None = None) -> Table:
    """Open tickets by age (days since creation), now."""
    now = now or timezone.now()
    open_tickets = Ticket.objects.filter(
        organisation_id__in=sorted(organisation_ids), state__in=OPEN_STATE_VALUES
    )
    bands: dict[str, Q] = {}
    for low, high in AGE_BANDS:
        band = Q(created_at__lte=now - dt.timedelta(days=low))
        if high is not None:
            band &= Q(created_at__gt=now - dt.timedelta(days=high))
        bands[f"{low}–{high} d" if high is not None else f"> {low} d"] = band
    # One pass over the open tickets for every band (five counts were five scans of the backlog).
    counts = open_tickets.aggregate(
        **{f"band{n}": Count("pk", filter=band) for n, band in enumerate(bands.values())}
    )
    rows = [(label, counts[f"band{n}"]) for n, label in enumerate(bands)]
    return Table(
        key="backlog_age", title=str(_("Backlog by age")), columns=(str(_("Age")), str(_("Open tickets"))),
        rows=tuple(rows),
    )  # fmt: skip


# Sections other apps add to the reports (time tracking: hours per contract). A provider returns a
# Table for the filters, or None when it has nothing to show.
SectionProvider = Callable[[ReportFilters], Table | None]
_sections: dict[str, SectionProvider] = {}


def section_register(key: str, provider: SectionProvider) -> None:
    """Add a section to every report (registered from an app's ``ready``; same key replaces)."""
    _sections[key] = provider


def extra_sections(*, filters: ReportFilters) -> list[Table]:
    return [table for provider in _sections.values() if (table := provider(filters)) is not None]


def daily_series(*, filters: ReportFilters) -> dict[dt.date, dict[str, int]]:
    """Created and resolved per day of the period (the dashboard's sparkline)."""
    found: dict[dt.date, dict[str, int]] = defaultdict(lambda: {"created": 0, "resolved": 0})
    rows = (
        DailyRollup.objects.filter(**filters.rollup_filter())
        .values("day")
        .annotate(created=Sum("created"), resolved=Sum("resolved"))
    )
    for row in rows:
        found[row["day"]] = {"created": row["created"], "resolved": row["resolved"]}
    return dict(found)


def survey_comments(*, filters: ReportFilters, limit: int = 50) -> Table:
    """The requesters' comments of the period (tickets resolved in it), newest first."""
    from escalade.reports.models import Survey  # noqa: PLC0415 - beside the facts

    ticket_ids = (
        filters.facts()
        .filter(resolved_day__gte=filters.start, resolved_day__lte=filters.end, csat_score__isnull=False)
        .values("ticket_id")
    )
    surveys = (
        Survey.objects.select_related("ticket")
        .filter(ticket_id__in=ticket_ids)
        .exclude(comment="")
        .order_by("-answered_at")[:limit]
    )
    return Table(
        key="comments",
        title=str(_("Comments")),
        columns=(str(_("Ticket")), str(_("Score")), str(_("Comment"))),
        rows=tuple((s.ticket.reference, s.score, s.comment) for s in surveys),
    )
