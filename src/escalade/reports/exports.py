"""Every report as CSV or XLSX (openpyxl): the same tables the page shows beside its charts."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font

from escalade.reports.selectors import Table

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    """A value safe in a spreadsheet: text that a spreadsheet would run as a formula is quoted."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_csv(tables: Sequence[Table], *, filename: str) -> HttpResponse:
    """The tables one after another, each under its title, separated by a blank line."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for table in tables:
        writer.writerow([table.title])
        writer.writerow(table.columns)
        writer.writerows([[_cell(value) for value in row] for row in table.rows])
        writer.writerow([])
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response


def export_xlsx(tables: Sequence[Table], *, filename: str) -> HttpResponse:
    """One sheet per table, its header in bold."""
    workbook = Workbook()
    if workbook.active is not None:
        workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(title=_sheet_name(table.title, workbook.sheetnames))
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in table.rows:
            sheet.append([_cell(value) for value in row])
    if not workbook.sheetnames:
        workbook.create_sheet(title="-")
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response


def _sheet_name(title: str, taken: list[str]) -> str:
    name = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "-"
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name[:25]} {number}", number + 1
    return candidate
