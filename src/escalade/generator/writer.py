"""Fast bulk writes for the generator: COPY on PostgreSQL, executemany on SQLite, ids handed out here."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import repeat
from types import NoneType
from typing import Any, NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

# Values of these exact Python types are stored unchanged by fields of these internal types: the ORM's
# preparation (``get_db_prep_save``) would return them as they are, so it is skipped (most of a bulk
# write's Python time); any other value goes through the field.
_INTEGERS = ("Auto", "BigAuto", "SmallAuto", "Integer", "BigInteger", "SmallInteger", "PositiveInteger",
             "PositiveBigInteger", "PositiveSmallInteger")  # fmt: skip
_UNCHANGED: dict[str, tuple[type, ...]] = {
    **dict.fromkeys(("CharField", "TextField", "SlugField", "EmailField", "URLField"), (str,)),
    **dict.fromkeys((f"{name}Field" for name in _INTEGERS), (int,)),
    "BooleanField": (bool,),
}


_MISSING = object()


class _Column(NamedTuple):
    """How one field's value is taken from a row and prepared for the database."""

    attname: str
    default: Any  # ``_MISSING`` when the default is a callable (called for each row)
    field: models.Field[Any, Any]
    unchanged: tuple[type, ...]  # values of these exact types are stored as they are
    aware_unchanged: bool  # aware datetimes are stored as they are (PostgreSQL)


def _column(field: models.Field[Any, Any]) -> _Column:
    # A foreign key stores its target's value.
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    constant = not field.has_default() or not callable(field.default)
    return _Column(
        attname=field.attname,
        default=field.get_default() if constant else _MISSING,
        field=field,
        unchanged=_UNCHANGED.get(target.get_internal_type(), ()),
        aware_unchanged=target.get_internal_type() == "DateTimeField" and connection.vendor == "postgresql",
    )


def _prepared_column(values: Sequence[Any], plan: _Column, database: BaseDatabaseWrapper) -> Sequence[Any]:
    """``values`` of one column as :meth:`BulkWriter._row` prepares them (as they are, mostly)."""
    kinds = set(map(type, values)) - {NoneType}
    if kinds <= set(plan.unchanged) or (
        plan.aware_unchanged
        and kinds == {datetime}
        and all(value is None or value.tzinfo is not None for value in values)
    ):
        return values
    field, unchanged, aware_unchanged = plan.field, plan.unchanged, plan.aware_unchanged
    return [
        value
        if value is None
        or type(value) in unchanged
        or (aware_unchanged and type(value) is datetime and value.tzinfo is not None)
        else field.get_db_prep_save(value, database)
        for value in values
    ]


class BulkWriter:
    """Writes rows of a model straight to its table with explicit ids (the generator runs alone).

    Values are prepared by each field (``get_db_prep_save``), so dates, JSON and booleans are stored
    exactly as the ORM would store them; fields not given get their model default.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.plan = [_column(field) for field in self.fields]
        self.table = model._meta.db_table
        self.columns = [str(field.column) for field in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(self.table)}")  # noqa: S608
            self.last_id = int(cursor.fetchone()[0] or 0)

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def _row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        # One loop with the checks inline: this runs for every field of every row written (62 fields
        # a ticket), so a call per value would be most of a bulk write's Python time.
        row = []
        for attname, default, field, unchanged, aware_unchanged in self.plan:
            value = values.get(attname, default)
            if value is _MISSING:
                value = field.get_default()
            kind = type(value)
            if not (
                value is None
                or kind in unchanged
                or (aware_unchanged and kind is datetime and value.tzinfo is not None)
            ):
                value = field.get_db_prep_save(value, connection)
            row.append(value)
        return tuple(row)

    def prepare(self, rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """``rows`` as the database stores them (what :meth:`write_rows` takes)."""
        return [self._row(values) for values in rows]

    def prepare_columns(
        self, names: Sequence[str], rows: Sequence[Sequence[Any]], *, raw: Collection[str] = ()
    ) -> list[tuple[Any, ...]]:
        """What :meth:`prepare` makes, from rows given as values in ``names`` order, sooner: column by
        column, a column whose values are all of types stored unchanged is kept as it is (checked in C,
        without a Python step a value), and the defaults of the columns not named are prepared once
        (callable ones other than ``dict`` and ``list``, always empty, once a row). The values of the
        columns in ``raw`` are already what the database stores (JSON text, for instance)."""
        if not rows:
            return []
        database = connections[DEFAULT_DB_ALIAS]  # not the proxy: one lookup, not one a value
        given = dict(zip(names, zip(*rows, strict=True), strict=True))
        columns: list[Iterable[Any]] = []
        for plan in self.plan:
            field = plan.field
            if plan.attname in given:
                values = given[plan.attname]
                columns.append(values if plan.attname in raw else _prepared_column(values, plan, database))
            elif plan.default is _MISSING and field.default not in (dict, list):
                columns.append([field.get_db_prep_save(field.get_default(), database) for _row in rows])
            else:
                columns.append(repeat(field.get_db_prep_save(field.get_default(), database), len(rows)))
        return list(zip(*columns, strict=True))

    def write(self, rows: Iterable[Mapping[str, Any]]) -> int:
        return self.write_rows(self.prepare(rows))

    def write_rows(self, prepared: list[tuple[Any, ...]]) -> int:
        """Write rows made by :meth:`prepare` (one ``COPY`` on PostgreSQL)."""
        if not prepared:
            return 0
        quoted = ", ".join(connection.ops.quote_name(column) for column in self.columns)
        table = connection.ops.quote_name(self.table)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                    for row in prepared:
                        copy.write_row(row)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(f"INSERT INTO {table} ({quoted}) VALUES ({marks})", prepared)  # noqa: S608
        return len(prepared)

    def sync_sequence(self, last_id: int | None = None) -> None:
        """After explicit ids, move PostgreSQL's identity sequence past them, or past ``last_id`` (the
        last of rows prepared elsewhere); SQLite needs nothing."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(%s, 1))",
                [self.table, self.last_id if last_id is None else last_id],
            )
