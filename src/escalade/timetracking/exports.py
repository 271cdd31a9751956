"""A client's month for invoicing: its billable time entries and its packages' consumption, as CSV or
XLSX (openpyxl, write-only: rows stream out without building the sheet in memory)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterable, Iterator, Sequence

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from openpyxl import Workbook

from escalade.orgs.models import Organisation
from escalade.timetracking.credits import hours
from escalade.timetracking.models import TimeEntry
from escalade.timetracking.selectors import billable_entries, consumption

CELL_DANGER = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula is quoted (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(CELL_DANGER):
        return "'" + value
    return value


def entry_header() -> list[str]:
    return [
        _("Date"), _("Ticket"), _("Title"), _("Agent"), _("Activity"), _("Minutes"), _("Billed minutes"),
        _("From the package"), _("Overage"), _("Billed hours"), _("Package"), _("Note"),
    ]  # fmt: skip


def entry_rows(entries: QuerySet[TimeEntry]) -> Iterator[list[object]]:
    for entry in entries.iterator(chunk_size=2000):
        yield [
            entry.worked_on.isoformat(), entry.ticket.reference, entry.ticket.title, entry.agent.full_name,
            entry.activity.name, entry.minutes, entry.billed_minutes, entry.drawn_minutes,
            entry.overage_minutes, hours(entry.billed_minutes), entry.package.name if entry.package else "",
            entry.note,
        ]  # fmt: skip


def consumption_header() -> list[str]:
    return [
        _("Package"), _("Contract"), _("Valid from"), _("Valid until"), _("Credit (hours)"),
        _("Used this month (hours)"), _("Overage this month (hours)"), _("Used in total (hours)"),
        _("Remaining (hours)"),
    ]  # fmt: skip


def consumption_rows(organisation: Organisation, start: dt.date, end: dt.date) -> list[list[object]]:
    return [
        [
            row.name,
            row.contract_name,
            row.starts_on.isoformat(),
            row.ends_on.isoformat(),
            hours(row.available_minutes),
            hours(row.consumed_minutes),
            hours(row.overage_minutes),
            hours(row.consumed_total_minutes),
            hours(row.remaining_minutes),
        ]
        for row in consumption(organisation=organisation, period_start=start, period_end=end)
    ]


def month_csv(
    *, organisation: Organisation, entries: QuerySet[TimeEntry], start: dt.date, end: dt.date
) -> str:
    """The month as one CSV text: the consumption table, a blank line, then the billable entries."""
    out = io.StringIO()
    writer = csv.writer(out)
    _write(writer.writerow, consumption_header(), consumption_rows(organisation, start, end))
    writer.writerow([])
    _write(
        writer.writerow,
        entry_header(),
        entry_rows(billable_entries(entries=entries, period_start=start, period_end=end)),
    )
    return out.getvalue()


def _write(
    write: Callable[[list[object]], object], header: list[str], rows: Iterable[Sequence[object]]
) -> None:
    write(list(header))
    for row in rows:
        write([_cell(value) for value in row])


def month_xlsx(
    *, organisation: Organisation, entries: QuerySet[TimeEntry], start: dt.date, end: dt.date
) -> bytes:
    """The month as a workbook: a "Consumption" sheet and an "Entries" sheet."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Consumption"))
    _write(sheet.append, consumption_header(), consumption_rows(organisation, start, end))
    sheet = book.create_sheet(_("Entries"))
    _write(
        sheet.append,
        entry_header(),
        entry_rows(billable_entries(entries=entries, period_start=start, period_end=end)),
    )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
