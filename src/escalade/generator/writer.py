"""Fast bulk writes for the generator: COPY on PostgreSQL, executemany on SQLite, ids handed out here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import connection, models

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


def _preparer(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How ``field``'s values are prepared for a bulk write: as the ORM would, faster for plain values."""
    # A foreign key stores its target's value.
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    unchanged = _UNCHANGED.get(target.get_internal_type(), ())
    aware_unchanged = target.get_internal_type() == "DateTimeField" and connection.vendor == "postgresql"
    prepare = field.get_db_prep_save

    if not unchanged and not aware_unchanged:
        return lambda value: prepare(value, connection)

    def prepared(value: Any) -> Any:
        if value is None or type(value) in unchanged:
            return value
        if aware_unchanged and type(value) is datetime and value.tzinfo is not None:
            return value  # PostgreSQL takes aware datetimes as they are
        return prepare(value, connection)

    return prepared


class BulkWriter:
    """Writes rows of a model straight to its table with explicit ids (the generator runs alone).

    Values are prepared by each field (``get_db_prep_save``), so dates, JSON and booleans are stored
    exactly as the ORM would store them; fields not given get their model default.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.preparers = [_preparer(field) for field in self.fields]
        # Defaults that are not callables are the same for every row.
        self.defaults = {
            field.attname: field.get_default()
            for field in self.fields
            if not field.has_default() or not callable(field.default)
        }
        self.table = model._meta.db_table
        self.columns = [str(field.column) for field in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(self.table)}")  # noqa: S608
            self.last_id = int(cursor.fetchone()[0] or 0)

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def _row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        defaults = self.defaults
        return tuple(
            prepare(
                values[field.attname]
                if field.attname in values
                else defaults[field.attname]
                if field.attname in defaults
                else field.get_default()
            )
            for field, prepare in zip(self.fields, self.preparers, strict=True)
        )

    def prepare(self, rows: Iterable[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """``rows`` as the database stores them (what :meth:`write_rows` takes)."""
        return [self._row(values) for values in rows]

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

    def sync_sequence(self) -> None:
        """After explicit ids, move PostgreSQL's identity sequence past them (SQLite needs nothing)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST(%s, 1))", [self.table, self.last_id]
            )
