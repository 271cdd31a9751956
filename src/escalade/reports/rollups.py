"""Daily rollups kept exact: each ticket contributes to a few buckets, computed from its fact row;
when the fact changes, the old contribution is taken out and the new one put in (ADR 0021)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import connection, transaction

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


@transaction.atomic
def rollups_rebuild() -> int:
    """Recompute every fact and rollup from the tickets (after an import, a bug fix, in tests)."""
    TicketFact.objects.all().delete()
    DailyRollup.objects.all().delete()
    count = 0
    total: Deltas = defaultdict(Counter)
    last = 0
    while True:
        batch = list(Ticket.objects.filter(pk__gt=last).order_by("pk")[:REBUILD_BATCH])
        if not batch:
            break
        facts = ticket_facts(tickets=batch)
        TicketFact.objects.bulk_create(facts.values())
        for fact in facts.values():
            _add(total, contribution(fact), +1)
        count += len(batch)
        last = batch[-1].pk
    DailyRollup.objects.bulk_create(
        DailyRollup(
            day=bucket[0],
            organisation_id=bucket[1],
            team_id=bucket[2],
            category_id=bucket[3],
            channel=bucket[4],
            **{k: v for k, v in counters.items() if v},
        )
        for bucket, counters in total.items()
        if any(counters.values())
    )
    return count
