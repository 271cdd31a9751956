"""Fast bulk writes for the generator: COPY on PostgreSQL, executemany on SQLite, ids handed out here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import connection, models


class BulkWriter:
    """Writes rows of a model straight to its table with explicit ids (the generator runs alone).

    Values are prepared by each field (``get_db_prep_save``), so dates, JSON and booleans are stored
    exactly as the ORM would store them; fields not given get their model default.
    """

    def __init__(self, model: type[models.Model]) -> None:
        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.table = model._meta.db_table
        self.columns = [str(field.column) for field in self.fields]
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(self.table)}")  # noqa: S608
            self.last_id = int(cursor.fetchone()[0] or 0)

    def next_id(self) -> int:
        self.last_id += 1
        return self.last_id

    def _row(self, values: Mapping[str, Any]) -> tuple[Any, ...]:
        row = []
        for field in self.fields:
            value = values[field.attname] if field.attname in values else field.get_default()
            row.append(field.get_db_prep_save(value, connection))
        return tuple(row)

    def write(self, rows: Iterable[Mapping[str, Any]]) -> int:
        prepared = [self._row(values) for values in rows]
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
