"""A report's content, built once for the page, the exports and the PDF: the headline figures as a
table, the charts (SVG) each with the table of its numbers, and the other sections."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from escalade.reports import selectors
from escalade.reports.charts import bar_chart, gauge
from escalade.reports.selectors import Figures, ReportFilters, Table


@dataclass(frozen=True, kw_only=True)
class Chart:
    svg: SafeString
    table: Table


@dataclass(frozen=True, kw_only=True)
class ReportContent:
    filters: ReportFilters
    figures: Figures
    summary: Table
    charts: list[Chart]
    tables: list[Table]

    @property
    def all_tables(self) -> list[Table]:
        """Every table, in page order (what the exports write)."""
        return [self.summary, *(chart.table for chart in self.charts), *self.tables]


def hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f} h"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} %"


def summary_table(figures: Figures) -> Table:
    c = figures.counters
    rows: list[tuple[object, ...]] = [
        (_("Tickets created"), c["created"]),
        (_("Tickets resolved"), c["resolved"]),
        (_("First response, median (business hours)"), hours(figures.first_response_median)),
        (_("First response, 90th percentile"), hours(figures.first_response_p90)),
        (_("Resolution, median (business hours)"), hours(figures.resolution_median)),
        (_("Resolution, 90th percentile"), hours(figures.resolution_p90)),
        (
            _("First responses on time"),
            percent(figures.rate("first_response_met", "first_response_with_target")),
        ),
        (_("Resolutions on time"), percent(figures.rate("resolution_met", "resolution_with_target"))),
        (_("Reopen rate"), percent(figures.rate("reopened", "resolved"))),
        (_("First-contact resolution at level 1"), percent(figures.rate("first_contact", "resolved"))),
        (_("Escalated to level 2"), percent(figures.rate("escalated_l2", "created"))),
        (_("Escalated to level 3"), percent(figures.rate("escalated_l3", "created"))),
        (_("Satisfaction (average of 5)"), figures.csat_average if figures.csat_average is not None else "—"),
        (_("Satisfaction answers"), c["csat_answers"]),
        (_("Self-service resolutions (level 0)"), c["self_service"]),
        (_("Knowledge-base deflections"), figures.kb_deflections),
    ]
    return Table(
        key="summary", title=_("Summary"), columns=(_("Figure"), _("Value")),
        rows=tuple((str(label), value) for label, value in rows),
    )  # fmt: skip


def report_content(*, filters: ReportFilters) -> ReportContent:
    """Everything a report shows for ``filters``."""
    rollups = selectors.rollup_pass(filters=filters)
    figures = selectors.report_figures(filters=filters, rollups=rollups)
    volumes = selectors.monthly_volumes(filters=filters, rollups=rollups)
    first_rate = figures.rate("first_response_met", "first_response_with_target")
    resolution_rate = figures.rate("resolution_met", "resolution_with_target")
    compliance = Table(
        key="sla",
        title=_("SLA compliance"),
        columns=(_("Target"), _("On time"), _("With a target"), _("Compliance")),
        rows=(
            (
                _("First response"), figures.counters["first_response_met"],
                figures.counters["first_response_with_target"],
                percent(first_rate),
            ),
            (
                _("Resolution"), figures.counters["resolution_met"],
                figures.counters["resolution_with_target"], percent(resolution_rate),
            ),
        ),
    )  # fmt: skip
    categories = selectors.top_categories(filters=filters, rollups=rollups)
    backlog = selectors.backlog_age(organisation_ids=filters.organisation_ids)
    charts = [
        Chart(
            svg=bar_chart(
                title=volumes.title, labels=[str(row[0]) for row in volumes.rows],
                series=[
                    (_("Created"), [row[1] for row in volumes.rows]),
                    (_("Resolved"), [row[2] for row in volumes.rows]),
                ],
            ),
            table=volumes,
        ),
        Chart(
            svg=SafeString(
                gauge(title=_("First response"), percent=first_rate)
                + gauge(title=_("Resolution"), percent=resolution_rate)
            ),
            table=compliance,
        ),
        Chart(
            svg=bar_chart(
                title=categories.title, labels=[str(row[0]) for row in categories.rows],
                series=[(_("Created"), [row[1] for row in categories.rows])],
            ),
            table=categories,
        ),
        Chart(
            svg=bar_chart(
                title=backlog.title, labels=[str(row[0]) for row in backlog.rows],
                series=[(_("Open tickets"), [row[1] for row in backlog.rows])],
            ),
            table=backlog,
        ),
    ]  # fmt: skip
    tables = [
        selectors.breaches_table(filters=filters),
        *(
            selectors.satisfaction_by(filters=filters, dimension=d)
            for d in ("agent", "team", "client", "category")
        ),
        selectors.survey_comments(filters=filters),
        *selectors.extra_sections(filters=filters),
    ]
    return ReportContent(
        filters=filters, figures=figures, summary=summary_table(figures), charts=charts, tables=tables
    )
