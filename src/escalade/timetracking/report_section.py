"""Hours consumed per contract package, as a section of every report and of the monthly client report
(registered with ``reports.selectors.section_register``; issue 22 "time spent and hours consumed per
contract")."""

from __future__ import annotations

from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from escalade.reports.selectors import ReportFilters, Table
from escalade.timetracking.models import TimeEntry


def _hours(minutes: int | None) -> float:
    return round((minutes or 0) / 60, 2)


def hours_per_package(filters: ReportFilters) -> Table | None:
    """Billable time of the period per client and package: hours drawn from the package, overage, and
    billable hours outside any package; one grouped query over the (organisation, date) index."""
    entries = TimeEntry.objects.filter(
        organisation_id__in=sorted(filters.organisation_ids),
        worked_on__gte=filters.start,
        worked_on__lte=filters.end,
        is_billable=True,
    )
    if filters.agent_id is not None:
        entries = entries.filter(agent_id=filters.agent_id)
    rows = (
        entries.values("organisation__name", "package__contract__name", "package__name")
        .annotate(
            drawn=Sum("drawn_minutes"),
            overage=Sum("overage_minutes"),
            outside=Sum("billed_minutes", filter=Q(package__isnull=True)),
        )
        .order_by("organisation__name", "package__contract__name", "package__name")
    )
    table_rows = tuple(
        (
            row["organisation__name"],
            row["package__contract__name"] or "—",
            row["package__name"] or _("No hour package"),
            _hours(row["drawn"]),
            _hours(row["overage"]),
            _hours(row["outside"]),
        )
        for row in rows
    )
    if not table_rows:
        return None
    return Table(
        key="hours_per_package",
        title=_("Hours consumed per contract"),
        columns=(
            _("Client"), _("Contract"), _("Hour package"), _("Hours drawn"), _("Overage hours"),
            _("Billable hours outside a package"),
        ),
        rows=table_rows,
    )  # fmt: skip
