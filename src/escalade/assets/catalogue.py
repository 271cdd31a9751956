"""The software catalogue as an inventory meets it: product ids by normalised key, and installations
written in one statement.

An estate reports the same few thousand products again and again, so each process keeps the ids of
the products it has met, by ``(publisher_key, name_key)`` (``assets.normalise``). The cache is only a
shortcut, never the truth:

* an entry is added after the transaction that read or created the product commits (a rolled-back
  creation never leaves an id behind);
* a key it does not know is read, and created if new, with one query for all of an inventory's
  misses (a miss only costs what the lookup cost before the cache);
* an id it knows may be gone (a product deleted by an administrator, a restored database): the
  installations are inserted with a join on the catalogue, so a row whose product no longer exists
  is not written; when fewer rows than asked were written, the ids are checked, the cache is
  forgotten and the missing products are resolved again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import partial

from django.db import connection, transaction

from escalade.assets.models import Installation, Software
from escalade.assets.normalise import name_key, publisher_key
from escalade.assets.parsers import Software as ReportedSoftware

Key = tuple[str, str]
Row = tuple[int, str, str | None]  # software id, version, installed on (ISO date or None)

CACHE_LIMIT = 50_000  # ids kept per process; past it the cache starts again empty
_product_ids: dict[Key, int] = {}


def software_key(item: ReportedSoftware) -> Key:
    """The catalogue's key of a reported program: ``(publisher_key, name_key)``."""
    return publisher_key(item.publisher), name_key(item.name, item.publisher)


def catalogue_forget() -> None:
    """Empty this process's cache of product ids (the next inventories read the catalogue)."""
    _product_ids.clear()


def _remember(found: dict[Key, int]) -> None:
    if len(_product_ids) + len(found) > CACHE_LIMIT:
        _product_ids.clear()
    _product_ids.update(found)


def software_ids(items: Iterable[ReportedSoftware], *, cached: bool = True) -> dict[Key, int]:
    """The catalogue product id of each reported program, by key: from the cache, else read in one
    query, else created (``ignore_conflicts``: another agent may create it at the same moment)."""
    wanted: dict[Key, ReportedSoftware] = {}
    for item in items:
        wanted.setdefault(software_key(item), item)
    ids = {key: _product_ids[key] for key in wanted if key in _product_ids} if cached else {}
    missing = [key for key in wanted if key not in ids]
    if not missing:
        return ids
    found = _ids_by_key(missing)
    new = [
        Software(publisher=wanted[key].publisher[:200], name=wanted[key].name[:200], publisher_key=key[0],
                 name_key=key[1])
        for key in missing if key not in found
    ]  # fmt: skip
    if new:
        Software.objects.bulk_create(new, ignore_conflicts=True)
        found.update(_ids_by_key([(s.publisher_key, s.name_key) for s in new]))
    transaction.on_commit(partial(_remember, found))
    ids.update(found)
    return ids


def _ids_by_key(keys: list[Key]) -> dict[Key, int]:
    wanted = set(keys)
    rows = Software.objects.filter(name_key__in={name for _, name in keys}).values_list(
        "pk", "publisher_key", "name_key"
    )
    return {(publisher, name): pk for pk, publisher, name in rows if (publisher, name) in wanted}


def installations_insert(asset_id: int, rows: list[Row]) -> int:
    """Insert ``rows`` as the installations of asset ``asset_id`` in one statement, skipping those
    already there and those whose product no longer exists; the number of rows written."""
    if not rows:
        return 0
    table = connection.ops.quote_name(Installation._meta.db_table)
    catalogue = connection.ops.quote_name(Software._meta.db_table)
    columns = "(asset_id, software_id, version, installed_on)"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            ids, versions, dates = zip(*rows, strict=True)
            cursor.execute(
                f"INSERT INTO {table} {columns} SELECT %s, u.software_id, u.version, u.installed_on"  # noqa: S608 - names from _meta
                " FROM unnest(%s::bigint[], %s::varchar[], %s::date[])"
                " AS u(software_id, version, installed_on)"
                f" WHERE u.software_id IN (SELECT id FROM {catalogue} WHERE id = ANY(%s::bigint[]))"
                " ON CONFLICT DO NOTHING",
                [asset_id, list(ids), list(versions), list(dates), list(ids)],
            )  # the products looked up by primary key (a join read the whole catalogue)
        else:  # SQLite: the rows as one JSON array, read by json_each (the JSON1 functions JSONField needs)
            cursor.execute(
                f"INSERT OR IGNORE INTO {table} {columns}"  # noqa: S608 - names from _meta
                " SELECT %s, s.id, json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]')"
                f" FROM json_each(%s) AS r JOIN {catalogue} AS s ON s.id = json_extract(r.value, '$[0]')",
                [asset_id, json.dumps(rows)],
            )
        return int(cursor.rowcount)


def products_missing(software_ids: Iterable[int]) -> set[int]:
    """Those of ``software_ids`` that are no product of the catalogue (any more)."""
    wanted = set(software_ids)
    return wanted - set(Software.objects.filter(pk__in=wanted).values_list("pk", flat=True))
