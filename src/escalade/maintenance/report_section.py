"""Preventive maintenance compliance per client, as a section of every report and of the monthly client
report (registered with ``reports.selectors.section_register``; issue 17)."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from escalade.maintenance.selectors import compliance
from escalade.reports.selectors import ReportFilters, Table


def maintenance_compliance(filters: ReportFilters) -> Table | None:
    """Checks due in the period per client: done on time (share), late, failed, overdue."""
    start = dt.datetime.combine(filters.start, dt.time(), tzinfo=dt.UTC)
    end = dt.datetime.combine(filters.end + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    rows = tuple(
        (
            row.organisation,
            row.due,
            row.on_time,
            "—" if row.on_time_percent is None else f"{row.on_time_percent} %",
            row.late,
            row.failed,
            row.overdue,
        )
        for row in compliance(organisation_ids=filters.organisation_ids, start=start, end=end)
    )
    if not rows:
        return None
    return Table(
        key="maintenance_compliance",
        title=_("Preventive maintenance"),
        columns=(
            _("Client"),
            _("Checks due"),
            _("Done on time"),
            _("On time"),
            _("Done late"),
            _("Failed checks"),
            _("Overdue"),
        ),
        rows=rows,
    )
