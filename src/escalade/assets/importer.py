"""CSV / XLSX import of assets, for estates without agents.

Columns (header row, case-insensitive, French or English): name, kind/type, status, serial,
inventory_tag/tag, manufacturer, model, site, user (e-mail), purchase_date, purchase_cost, supplier,
warranty_end, notes. A row updates the asset of the same serial, else of the same inventory tag, else
of the same name; otherwise it creates one. A dry run does the whole import in a transaction that is
rolled back, so its report is exactly what the real run would do.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from escalade.accounts.models import User
from escalade.assets.models import Asset, AssetKind, AssetStatus
from escalade.assets.services import asset_create, asset_update
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.orgs.models import Organisation, Site

MAX_ROWS = 50_000
ALIASES = {
    "nom": "name", "hostname": "name", "type": "kind", "statut": "status", "numero de serie": "serial",
    "serial number": "serial", "tag": "inventory_tag", "etiquette": "inventory_tag",
    "fabricant": "manufacturer", "modele": "model", "utilisateur": "user", "date d'achat": "purchase_date",
    "cout": "purchase_cost",
    "fournisseur": "supplier", "fin de garantie": "warranty_end", "garantie": "warranty_end",
}  # fmt: skip
COLUMNS = {
    "name", "kind", "status", "serial", "inventory_tag", "manufacturer", "model", "site", "user",
    "purchase_date", "purchase_cost", "supplier", "warranty_end", "notes",
}  # fmt: skip


class ImportError_(Exception):  # noqa: N801, N818 - "ImportError" is a builtin
    """The file cannot be read as a table of assets."""


class _DryRun(Exception):  # noqa: N818 - control flow: roll the dry run back
    pass


@dataclass
class RowOutcome:
    line: int
    action: str  # create, update, unchanged, error
    name: str
    message: str = ""


@dataclass
class ImportReport:
    dry_run: bool
    rows: list[RowOutcome] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

    @property
    def summary(self) -> dict[str, int]:
        return {action: self.count(action) for action in ("create", "update", "unchanged", "error")}


def _header(name: Any) -> str:
    key = (
        str(name or "")
        .strip()
        .lower()
        .replace("_", " ")
        .replace("é", "e")
        .replace("û", "u")
        .replace("è", "e")
    )
    return ALIASES.get(key, key).replace(" ", "_")


def read_table(filename: str, content: bytes) -> list[dict[str, str]]:
    """The rows of a CSV (UTF-8, comma or semicolon) or XLSX file, keyed by known column names."""
    if filename.lower().endswith(".xlsx"):
        rows = _xlsx_rows(content)
    else:
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise ImportError_(_("The CSV file must be UTF-8.")) from error
        first_line = text.split("\n", 1)[0]
        delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        raise ImportError_(_("The file is empty."))
    headers = [_header(cell) for cell in rows[0]]
    if "name" not in headers:
        raise ImportError_(_("The file needs a “name” column."))
    if len(rows) - 1 > MAX_ROWS:
        raise ImportError_(_("At most %(count)d rows per file.") % {"count": MAX_ROWS})
    return [
        {key: _cell(value) for key, value in zip(headers, row, strict=False) if key in COLUMNS}
        for row in rows[1:]
        if any(_cell(value) for value in row)
    ]


def _cell(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return "" if value is None else str(value).strip()


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook  # noqa: PLC0415 - only the import needs it

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a bad file
        raise ImportError_(_("The XLSX file cannot be read.")) from error
    sheet = workbook.worksheets[0]
    rows = [list(row) for _, row in zip(range(MAX_ROWS + 2), sheet.iter_rows(values_only=True), strict=False)]
    workbook.close()
    return rows


def _choice(value: str, choices: Iterable[tuple[str, Any]], default: str) -> str:
    if not value:
        return default
    folded = value.strip().lower()
    for key, label in choices:
        if folded in {key, str(label).lower()}:
            return key
    raise ValueError(_("unknown value “%(value)s”") % {"value": value})


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    for form in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value[:10], form).date()  # noqa: DTZ007 - a date only
        except ValueError:
            continue
    raise ValueError(_("unreadable date “%(value)s”") % {"value": value})


def _values(row: dict[str, str], organisation: Organisation) -> dict[str, Any]:
    values: dict[str, Any] = {"name": row.get("name", "")}
    for key in ("serial", "inventory_tag", "manufacturer", "model", "supplier", "notes"):
        if row.get(key):
            values[key] = row[key]
    if row.get("kind"):
        values["kind"] = _choice(row["kind"], AssetKind.choices, AssetKind.COMPUTER)
    for key in ("purchase_date", "warranty_end"):
        if row.get(key):
            values[key] = _date(row[key])
    if row.get("purchase_cost"):
        try:
            values["purchase_cost"] = Decimal(row["purchase_cost"].replace(",", "."))
        except InvalidOperation as error:
            raise ValueError(_("unreadable cost “%(value)s”") % {"value": row["purchase_cost"]}) from error
    if row.get("site"):
        site = Site.objects.filter(organisation=organisation, name__iexact=row["site"]).first()
        if site is None:
            raise ValueError(_("no site “%(value)s”") % {"value": row["site"]})
        values["site"] = site
    if row.get("user"):
        user = User.objects.filter(organisation=organisation, email__iexact=row["user"]).first()
        if user is None:
            raise ValueError(_("no person “%(value)s”") % {"value": row["user"]})
        values["user"] = user
    return values


def _existing(organisation: Organisation, row: dict[str, str]) -> Asset | None:
    assets = Asset.objects.filter(organisation=organisation)
    for column, lookup in (
        ("serial", "serial"),
        ("inventory_tag", "inventory_tag"),
        ("name", "name__iexact"),
    ):
        if row.get(column):
            found = assets.filter(**{lookup: row[column]}).order_by("pk").first()
            if found is not None:
                return found
    return None


def _import_row(actor: Actor, organisation: Organisation, line: int, row: dict[str, str]) -> RowOutcome:
    name = row.get("name", "")
    try:
        with transaction.atomic():
            values = _values(row, organisation)
            status = _choice(row.get("status", ""), AssetStatus.choices, AssetStatus.IN_USE)
            asset = _existing(organisation, row)
            if asset is None:
                asset_create(actor=actor, organisation=organisation, values=values, status=status)
                return RowOutcome(line, "create", name)
            before = asset.updated_at
            updated = asset_update(actor=actor, asset=asset, values=values)
            return RowOutcome(line, "update" if updated.updated_at != before else "unchanged", name)
    except (ValueError, DomainError) as error:
        return RowOutcome(line, "error", name, str(error))


def import_rows(
    *, actor: Actor, organisation: Organisation, rows: list[dict[str, str]], dry_run: bool
) -> ImportReport:
    """Import ``rows`` into ``organisation``'s estate (each row on its own: a bad row is reported, the
    others go in); ``dry_run`` reports the same outcome and rolls everything back."""
    report = ImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            for line, row in enumerate(rows, start=2):
                report.rows.append(_import_row(actor, organisation, line, row))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return report
