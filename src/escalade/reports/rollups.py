"""Daily rollups kept exact: each ticket contributes to a few buckets, computed from its fact row;
when the fact changes, the old contribution is taken out and the new one put in (ADR 0021)."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

from django.db import IntegrityError, transaction
from django.db.models import F

from escalade.reports.facts import FACT_FIELDS, fact_key, ticket_facts
from escalade.reports.models import DailyRollup, TicketFact
from escalade.tickets.models import Ticket

Bucket = tuple[dt.date, int, int, int, str]  # day, organisation, team, category, channel
Deltas = dict[Bucket, Counter[str]]
REBUILD_BATCH = 500


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
    """Add ``deltas`` to the rollup rows (created when missing), with ``F()`` updates."""
    for bucket, counters in sorted(deltas.items(), key=lambda item: str(item[0])):
        changes = {name: value for name, value in counters.items() if value}
        if not changes:
            continue
        day, organisation_id, team_id, category_id, channel = bucket
        key = {
            "day": day, "organisation_id": organisation_id, "team_id": team_id,
            "category_id": category_id, "channel": channel,
        }  # fmt: skip
        updates = {name: F(name) + value for name, value in changes.items()}
        if DailyRollup.objects.filter(**key).update(**updates):
            continue
        try:
            with transaction.atomic():
                DailyRollup.objects.create(**key, **changes)
        except IntegrityError:  # another transaction created the row in between
            DailyRollup.objects.filter(**key).update(**updates)


def facts_refresh(*, tickets: Sequence[Ticket]) -> None:
    """Recompute the facts of ``tickets`` and move the rollups by the difference."""
    if not tickets:
        return
    new = ticket_facts(tickets=tickets)
    old = TicketFact.objects.in_bulk([t.pk for t in tickets])
    deltas: Deltas = defaultdict(Counter)
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
    rollups_apply(deltas)


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
        counters = {name: getattr(row, name) for name in _COUNTERS if getattr(row, name)}
        if counters:
            found[(row.day, row.organisation_id, row.team_id, row.category_id, row.channel)] = counters
    return found


_BUCKET_FIELDS = ("id", "day", "organisation_id", "team_id", "category_id", "channel")
_COUNTERS = tuple(f.attname for f in DailyRollup._meta.concrete_fields if f.attname not in _BUCKET_FIELDS)


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
