"""Daily rollups kept exact: each ticket contributes to a few buckets, computed from its fact row;
when the fact changes, the old contribution is taken out and the new one put in (ADR 0021)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, connections, transaction
from django.db.models import Exists, Max, Min, OuterRef, QuerySet

from escalade.reports.facts import FACT_FIELDS, fact_key, new_ticket_fact, ticket_facts
from escalade.reports.models import DailyRollup, TicketFact
from escalade.tickets.models import Ticket

Bucket = tuple[dt.date, int, int, int, str]  # day, organisation, team, category, channel
Deltas = dict[Bucket, Counter[str]]
REBUILD_BATCH = 500
BUCKET_COLUMNS = ("day", "organisation_id", "team_id", "category_id", "channel")
COUNTERS = tuple(
    f.attname for f in DailyRollup._meta.concrete_fields if f.attname not in {"id", *BUCKET_COLUMNS}
)


def contribution(fact: TicketFact) -> Deltas:
    """What one ticket adds to the rollups."""
    keys = (fact.organisation_id, fact.team_id, fact.category_id, fact.channel)
    found: Deltas = defaultdict(Counter)
    created = found[(fact.created_day, *keys)]
    created["created"] += 1
    created["escalated_l2"] += int(fact.max_level >= 2)
    created["escalated_l3"] += int(fact.max_level >= 3)
    if fact.first_response_day is not None and fact.first_response_seconds is not None:
        first = found[(fact.first_response_day, *keys)]
        first["first_responses"] += 1
        first["first_response_seconds"] += fact.first_response_seconds
        if fact.first_response_met is not None:
            first["first_response_with_target"] += 1
            first["first_response_met"] += int(fact.first_response_met)
    if fact.resolved_day is not None and fact.resolution_seconds is not None:
        resolved = found[(fact.resolved_day, *keys)]
        resolved["resolved"] += 1
        resolved["resolution_seconds"] += fact.resolution_seconds
        if fact.resolution_met is not None:
            resolved["resolution_with_target"] += 1
            resolved["resolution_met"] += int(fact.resolution_met)
        resolved["reopened"] += int(fact.reopens > 0)
        resolved["first_contact"] += int(fact.is_first_contact)
        resolved["self_service"] += int(fact.is_self_service)
        if fact.csat_score is not None:
            resolved["csat_answers"] += 1
            resolved["csat_total"] += fact.csat_score
            resolved["csat_bad"] += int(fact.csat_score <= 2)
    return found


def _add(into: Deltas, deltas: Deltas, sign: int) -> None:
    for bucket, counters in deltas.items():
        for name, value in counters.items():
            into[bucket][name] += sign * value


def rollups_apply(deltas: Mapping[Bucket, Counter[str]]) -> None:
    """Add ``deltas`` to the rollup rows in one statement: ``INSERT ... ON CONFLICT DO UPDATE`` adding
    to the counters (PostgreSQL and SQLite both have it), so concurrent writers never lose a count."""
    rows = [
        (bucket, [counters.get(name, 0) for name in COUNTERS])
        for bucket, counters in sorted(deltas.items(), key=lambda item: str(item[0]))
        if any(counters.values())
    ]
    if not rows:
        return
    table = connection.ops.quote_name(DailyRollup._meta.db_table)
    columns = [*BUCKET_COLUMNS, *COUNTERS]
    quoted = [connection.ops.quote_name(column) for column in columns]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    sets = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in quoted[len(BUCKET_COLUMNS) :])
    sql = (
        f"INSERT INTO {table} ({', '.join(quoted)}) VALUES {', '.join([placeholders] * len(rows))} "  # noqa: S608 - names from the model
        f"ON CONFLICT ({', '.join(quoted[: len(BUCKET_COLUMNS)])}) DO UPDATE SET {sets}"
    )
    params: list[Any] = []
    for bucket, values in rows:
        params += [*bucket, *values]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def facts_refresh(*, created: Sequence[Ticket] = (), changed: Sequence[Ticket] = ()) -> None:
    """Recompute the facts of ``changed`` tickets and start those of ``created`` ones (nothing to
    read: a new ticket has no history), and move the rollups by the difference."""
    deltas: Deltas = defaultdict(Counter)
    if changed:
        _refresh_changed(changed, deltas)
    if created:
        # A rule reacting to the creation may already have changed the ticket (a nested publish that
        # wrote its fact): only the facts this insert adds count.
        facts = [new_ticket_fact(ticket) for ticket in created]
        for fact in _insert_new(facts):
            _add(deltas, contribution(fact), +1)
    rollups_apply(deltas)


def _refresh_changed(tickets: Sequence[Ticket], deltas: Deltas) -> None:
    new = ticket_facts(tickets=tickets)
    old = TicketFact.objects.in_bulk([t.pk for t in tickets])
    inserts: list[TicketFact] = []
    updates: list[TicketFact] = []
    for pk, fact in new.items():
        previous = old.get(pk)
        if previous is not None and fact_key(previous) == fact_key(fact):
            continue
        if previous is not None:
            _add(deltas, contribution(previous), -1)
            updates.append(fact)
        else:
            inserts.append(fact)
        _add(deltas, contribution(fact), +1)
    TicketFact.objects.bulk_create(inserts)
    if updates:
        TicketFact.objects.bulk_update(updates, FACT_FIELDS)


def _insert_new(facts: Sequence[TicketFact]) -> list[TicketFact]:
    """Insert ``facts`` unless their ticket has one already; the facts inserted (one statement)."""
    fields = [field for field in TicketFact._meta.concrete_fields if field.name in {"ticket", *FACT_FIELDS}]
    quoted = [connection.ops.quote_name(field.attname) for field in fields]
    table = connection.ops.quote_name(TicketFact._meta.db_table)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    key = connection.ops.quote_name("ticket_id")
    sql = (
        f"INSERT INTO {table} ({', '.join(quoted)}) VALUES {', '.join([placeholders] * len(facts))} "  # noqa: S608 - names from the model
        f"ON CONFLICT ({key}) DO NOTHING RETURNING {key}"
    )
    params: list[Any] = []
    for fact in facts:
        params += [field.get_db_prep_save(getattr(fact, field.attname), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        inserted = {row[0] for row in cursor.fetchall()}
    return [fact for fact in facts if fact.ticket_id in inserted]


def rollups_from_facts(facts: Iterable[TicketFact]) -> dict[Bucket, dict[str, int]]:
    """The rollups that ``facts`` make (for the rebuild and the tests' comparison)."""
    total: Deltas = defaultdict(Counter)
    for fact in facts:
        _add(total, contribution(fact), +1)
    return {bucket: {k: v for k, v in counters.items() if v} for bucket, counters in total.items()}


def rollups_stored() -> dict[Bucket, dict[str, int]]:
    """The rollup rows as stored, without zero counters and empty rows."""
    found: dict[Bucket, dict[str, int]] = {}
    for row in DailyRollup.objects.all():
        counters = {name: getattr(row, name) for name in COUNTERS if getattr(row, name)}
        if counters:
            found[(row.day, row.organisation_id, row.team_id, row.category_id, row.channel)] = counters
    return found


def _parts_sql(table: str) -> str:
    """One row per contribution of a fact to a bucket (as :func:`contribution`), for the days between
    two parameters: its creation, its first response, its resolution."""
    zero = ", ".join(["0"] * 4)

    def flag(condition: str) -> str:
        return f"CASE WHEN {condition} THEN 1 ELSE 0 END"

    keys = "organisation_id, team_id, category_id, channel"
    # The first SELECT names the columns of the union (c0, c1… in the order of SQL_COUNTERS).
    values = ["1", flag("max_level >= 2"), flag("max_level >= 3"), *["0"] * (len(SQL_COUNTERS) - 3)]
    named = ", ".join(f"{value} AS c{n}" for n, value in enumerate(values))
    created = f"SELECT created_day AS day, {keys}, {named} FROM {table} WHERE created_day BETWEEN %s AND %s"  # noqa: S608 - names from the model
    first = (
        f"SELECT first_response_day, {keys}, 0, 0, 0, 1, first_response_seconds, "  # noqa: S608 - names from the model
        f"{flag('first_response_met IS NOT NULL')}, "
        f"{flag('first_response_met IS NOT NULL AND first_response_met')}, "
        f"{zero}, 0, 0, 0, 0, 0, 0 FROM {table} "
        "WHERE first_response_day BETWEEN %s AND %s AND first_response_seconds IS NOT NULL"
    )
    resolved = (
        f"SELECT resolved_day, {keys}, 0, 0, 0, {zero}, 1, resolution_seconds, "  # noqa: S608 - names from the model
        f"{flag('resolution_met IS NOT NULL')}, {flag('resolution_met IS NOT NULL AND resolution_met')}, "
        f"{flag('reopens > 0')}, {flag('is_first_contact')}, {flag('is_self_service')}, "
        f"{flag('csat_score IS NOT NULL')}, COALESCE(csat_score, 0), {flag('csat_score <= 2')} FROM {table} "
        "WHERE resolved_day BETWEEN %s AND %s AND resolution_seconds IS NOT NULL"
    )
    return f"{created} UNION ALL {first} UNION ALL {resolved}"


SQL_COUNTERS = (
    "created", "escalated_l2", "escalated_l3", "first_responses", "first_response_seconds",
    "first_response_with_target", "first_response_met", "resolved", "resolution_seconds",
    "resolution_with_target", "resolution_met", "reopened", "first_contact", "self_service",
    "csat_answers", "csat_total", "csat_bad",
)  # fmt: skip  # the order of the columns of _parts_sql


def rollups_from_facts_sql(*, chunk_days: int = 92) -> int:
    """Replace every rollup row by a ``GROUP BY`` over the fact rows (ADR 0021): one ``INSERT ...
    SELECT`` per ``chunk_days`` window of days, so a million tickets take seconds, not an hour. The
    result equals what the event path adds up (:func:`contribution`). Returns the rows written."""
    assert set(SQL_COUNTERS) == set(COUNTERS)
    facts = connection.ops.quote_name(TicketFact._meta.db_table)
    rollups = connection.ops.quote_name(DailyRollup._meta.db_table)
    bounds = TicketFact.objects.aggregate(
        first=Min("created_day"), last_created=Max("created_day"), last_response=Max("first_response_day"),
        last_resolved=Max("resolved_day"),
    )  # fmt: skip
    DailyRollup.objects.all().delete()
    if bounds["first"] is None:
        return 0
    last = max(day for key, day in bounds.items() if key != "first" and day is not None)
    columns = ", ".join([*BUCKET_COLUMNS, *SQL_COUNTERS])
    sums = ", ".join(f"SUM(c{n})" for n in range(len(SQL_COUNTERS)))
    sql = (
        f"INSERT INTO {rollups} ({columns}) SELECT day, organisation_id, team_id, category_id, channel, "  # noqa: S608 - names from the models
        f"{sums} FROM ({_parts_sql(facts)}) AS parts "
        "GROUP BY day, organisation_id, team_id, category_id, channel"
    )
    written = 0
    day = bounds["first"]
    with connection.cursor() as cursor:
        while day <= last:
            end = day + dt.timedelta(days=chunk_days - 1)
            cursor.execute(sql, [day, end] * 3)
            written += max(cursor.rowcount, 0)
            day = end + dt.timedelta(days=1)
    return written


def facts_write(facts: Sequence[TicketFact]) -> None:
    """Insert new fact rows: by ``COPY`` on PostgreSQL (the ORM's insert of many rows costs more than
    computing them), ``bulk_create`` elsewhere."""
    if connection.vendor != "postgresql":
        TicketFact.objects.bulk_create(facts)
        return
    fields = [field for field in TicketFact._meta.concrete_fields if field.name in {"ticket", *FACT_FIELDS}]
    columns = ", ".join(connection.ops.quote_name(field.attname) for field in fields)
    table = connection.ops.quote_name(TicketFact._meta.db_table)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for fact in facts:
            copy.write_row([getattr(fact, field.attname) for field in fields])


# What the facts read of a ticket (``ticket_facts``): the rebuild loads no other column.
TICKET_FIELDS = (
    "id", "organisation_id", "team_id", "category_id", "channel", "assignee_id", "priority", "state",
    "support_level", "sla_policy_id", "created_at", "first_responded_at", "resolved_at",
)  # fmt: skip


def _missing_facts() -> QuerySet[Ticket]:
    """The tickets without a fact (an anti-join: no hash of every fact per batch)."""
    return Ticket.objects.filter(~Exists(TicketFact.objects.filter(ticket_id=OuterRef("pk"))))


def facts_rebuild(
    *, batch: int = REBUILD_BATCH, missing_only: bool = False, id_range: tuple[int, int] | None = None
) -> int:
    """Recompute the fact of every ticket (or of those without one), ``batch`` tickets per transaction
    in the order of their ids (resumable: ``missing_only`` goes on where a stopped run left off).
    ``id_range`` (inclusive bounds, with ``missing_only``): only the tickets whose ids fall in it."""
    if not missing_only:
        TicketFact.objects.all().delete()
    count, last = 0, 0
    tickets = (_missing_facts() if missing_only else Ticket.objects.all()).only(*TICKET_FIELDS)
    if id_range is not None:
        tickets = tickets.filter(pk__range=id_range)
        last = id_range[0] - 1
    while True:
        chunk = list(tickets.filter(pk__gt=last).order_by("pk")[:batch])
        if not chunk:
            return count
        with transaction.atomic():
            facts_write(list(ticket_facts(tickets=chunk).values()))
        count += len(chunk)
        last = chunk[-1].pk


def facts_rebuild_parallel(*, workers: int, batch: int = REBUILD_BATCH, missing_only: bool = False) -> int:
    """:func:`facts_rebuild` by ``workers`` processes, each over its share of the ids of the tickets
    without a fact, with its own connection, committing per batch: stopped, it resumes with
    ``missing_only``. The facts are the sequential path's (each ticket's fact reads only its own
    rows). Forks this process: call it from a command, not from a server. Returns the facts written."""
    if workers <= 1 or connection.in_atomic_block:  # children could not see this transaction's rows
        return facts_rebuild(batch=batch, missing_only=missing_only)
    if not missing_only:
        TicketFact.objects.all().delete()
    bounds = _missing_facts().aggregate(low=Min("pk"), high=Max("pk"))
    if bounds["low"] is None:
        return 0
    low, high = bounds["low"], bounds["high"]
    step = -(-(high - low + 1) // workers)  # ceiling: every id falls in one share
    shares = [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]
    connections.close_all()  # the children must not share the parent's connection
    with multiprocessing.get_context("fork").Pool(len(shares)) as pool:
        counts = pool.starmap(_rebuild_share, [(share, batch) for share in shares])
    return sum(counts)


def _rebuild_share(share: tuple[int, int], batch: int) -> int:
    """One worker of :func:`facts_rebuild_parallel` (a forked process: its own connection)."""
    connections.close_all()
    try:
        return facts_rebuild(batch=batch, missing_only=True, id_range=share)
    finally:
        connections.close_all()


def reports_tables_vacuum() -> None:
    """After a bulk rebuild on PostgreSQL (outside a transaction): ``VACUUM ANALYZE`` the facts and
    rollups, so the planner knows their size and the percentiles read the index alone (a million
    fresh rows otherwise wait for autovacuum: until then each read visits the table)."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return
    tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m in (TicketFact, DailyRollup))
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {tables}")


@transaction.atomic
def rollups_rebuild() -> int:
    """Recompute every fact and rollup from the tickets (after an import, a bug fix, in tests): the
    facts ticket by ticket, the rollups by one set-based pass over them. Returns the tickets counted."""
    count = facts_rebuild()
    rollups_from_facts_sql()
    return count
