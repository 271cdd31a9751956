"""Time tracking benchmark: a client's consumption for a month (``timetracking.selectors.consumption``,
what the client manager's page, the exports and the monthly report read) and its billable entries.

    .venv/bin/python benchmarks/timetracking.py --clients 200 --entries 200000

Builds its own PostgreSQL database (``escalade_bench_time``, created and migrated on first run; the
entries are written once): ``--clients`` organisations, each with a contract, a yearly 40-hour
package and one ticket, and ``--entries`` time entries spread over the clients and 24 months. The
target of issue 16 is 5 million entries on 1 million tickets with p95 ≤ 100 ms; the query is one
range scan of the ``(organisation, worked_on)`` index, so its cost follows one client's month (here
entries / clients / 24 rows), not the table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
from benchmarks import bench_django  # noqa: E402 - the repository root is on the path just above

NAME = "bench_time"
BATCH = 10_000


def _setup() -> None:
    bench_django(NAME)


def _fill(clients: int, entries: int) -> None:
    from escalade.accounts.models import Role, User
    from escalade.contracts.models import Contract, HourPackage
    from escalade.core.actors import Actor
    from escalade.orgs.models import Organisation
    from escalade.sla.models import SlaPolicy
    from escalade.tickets.services import ticket_create
    from escalade.timetracking.models import ActivityType, TimeEntry

    if TimeEntry.objects.count() >= entries:
        return
    policy = SlaPolicy.objects.get(is_default=True)
    provider, _ = Organisation.objects.get_or_create(
        slug="bench-provider", defaults={"name": "Bench", "kind": "provider"}
    )
    agent, _ = User.objects.get_or_create(
        email="agent@bench.example",
        defaults={"organisation": provider, "role": Role.SUPERVISOR, "full_name": "Agent"},
    )
    tickets: list[Any] = []
    packages: list[HourPackage] = []
    for n in range(clients):
        org, _ = Organisation.objects.get_or_create(
            slug=f"bench-client-{n}", defaults={"name": f"Client {n}"}
        )
        requester, _ = User.objects.get_or_create(
            email=f"req{n}@bench.example", defaults={"organisation": org, "full_name": f"Req {n}"}
        )
        contract = Contract.objects.filter(organisation=org).first() or Contract.objects.create(
            organisation=org,
            name="Bench",
            starts_on=dt.date(2025, 1, 1),
            support_calendar=policy.calendar,
            sla_policy=policy,
        )
        packages.extend(
            HourPackage.objects.get_or_create(
                contract=contract, starts_on=dt.date(year, 1, 1),
                defaults={"name": f"40 h {year}", "ends_on": dt.date(year, 12, 31), "credit_minutes": 2400},
            )[0]
            for year in (2025, 2026)
        )  # fmt: skip
        tickets.append(ticket_create(actor=Actor.of(requester), requester=requester, title="Bench"))
    activity = ActivityType.objects.get(code="remote")
    by_org: dict[int, list[HourPackage]] = {}
    for package in packages:
        by_org.setdefault(package.contract.organisation_id, []).append(package)
    rng = random.Random(16)  # noqa: S311 - test data, reproducible by design
    written = TimeEntry.objects.count()
    while written < entries:
        rows = []
        for _ in range(min(BATCH, entries - written)):
            ticket = tickets[rng.randrange(len(tickets))]
            day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(730))
            package = by_org[ticket.organisation_id][day.year - 2025]
            minutes = rng.choice((15, 30, 45, 60, 90, 120))
            rows.append(TimeEntry(
                ticket=ticket, organisation_id=ticket.organisation_id, agent=agent, activity=activity,
                worked_on=day, minutes=minutes, is_billable=True, package=package, billed_minutes=minutes,
                drawn_minutes=minutes, overage_minutes=0,
            ))  # fmt: skip
        TimeEntry.objects.bulk_create(rows)
        written += len(rows)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE timetracking_timeentry")


def _fill_big(per_ticket: int, chunk: int = 50_000) -> None:
    """On a generated database (``--database bench_1000000``): ``per_ticket`` entries on every ticket,
    written by ``INSERT ... SELECT`` per chunk of ticket ids (one statement each, committed), drawing on
    a yearly 40-hour package of its client (created here for each client with a contract), then ANALYZE.
    """
    from django.db import connection, transaction

    from escalade.accounts.models import User
    from escalade.contracts.models import Contract, HourPackage
    from escalade.tickets.models import Ticket
    from escalade.timetracking.models import ActivityType, TimeEntry

    wanted = Ticket.objects.count() * per_ticket
    if TimeEntry.objects.count() >= wanted:
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(created_at), max(created_at) FROM tickets_ticket")
        first, last = cursor.fetchone()
    years = range(first.year, last.year + 2)  # entries may fall a few days after the ticket
    for contract in Contract.objects.filter(organisation__kind="client"):
        for year in years:
            HourPackage.objects.get_or_create(
                contract=contract, starts_on=dt.date(year, 1, 1),
                defaults={"name": f"40 h {year}", "ends_on": dt.date(year, 12, 31), "credit_minutes": 2400},
            )  # fmt: skip
    agent = User.objects.filter(role__in=("agent", "supervisor"), is_active=True).order_by("pk").first()
    activity = ActivityType.objects.get(code="remote")
    assert agent is not None
    sql = """
        INSERT INTO timetracking_timeentry (ticket_id, organisation_id, agent_id, activity_id, worked_on,
            minutes, is_billable, note, package_id, billed_minutes, drawn_minutes, overage_minutes,
            created_at, updated_at)
        SELECT t.id, t.organisation_id, %s, %s, e.day, e.minutes, true, '', p.id, e.minutes,
            e.minutes, 0, now(), now()
        FROM tickets_ticket t
        CROSS JOIN generate_series(0, %s - 1) AS g(n)
        CROSS JOIN LATERAL (SELECT (t.created_at AT TIME ZONE 'UTC')::date + g.n * 2 AS day,
                                   15 * (1 + (t.id + g.n) %% 8) AS minutes) AS e
        LEFT JOIN LATERAL (
            SELECT hp.id FROM contracts_hourpackage hp JOIN contracts_contract c ON c.id = hp.contract_id
            WHERE c.organisation_id = t.organisation_id AND hp.starts_on <= e.day AND hp.ends_on >= e.day
            ORDER BY hp.id LIMIT 1) AS p ON true
        WHERE t.id > %s AND t.id <= %s
    """
    done = TimeEntry.objects.aggregate(last=models_max("ticket_id"))["last"] or 0
    top = Ticket.objects.aggregate(last=models_max("pk"))["last"] or 0
    while done < top:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [agent.pk, activity.pk, per_ticket, done, done + chunk])
        done += chunk
        print(f"entries up to ticket {done}", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE timetracking_timeentry")


def models_max(field: str) -> Any:
    from django.db.models import Max

    return Max(field)


def _measure(samples: int, *, clients_slug: str = "bench-client-") -> dict[str, object]:
    from escalade.orgs.models import Organisation
    from escalade.timetracking.models import TimeEntry
    from escalade.timetracking.selectors import billable_entries, consumption, month_bounds

    clients = list(Organisation.objects.filter(slug__startswith=clients_slug, kind="client"))
    years = sorted(
        {day.year for day in TimeEntry.objects.order_by().values_list("worked_on", flat=True)[:1000]}
    ) or [2025, 2026]
    rng = random.Random(7)  # noqa: S311 - test data, reproducible by design
    timings: dict[str, list[float]] = {"consumption": [], "billable_entries": []}
    for _ in range(samples):
        org = rng.choice(clients)
        start, end = month_bounds(dt.date(rng.choice(years), rng.randrange(1, 13), 1))
        began = time.perf_counter()
        consumption(organisation=org, period_start=start, period_end=end)
        timings["consumption"].append(time.perf_counter() - began)
        began = time.perf_counter()
        list(
            billable_entries(
                entries=TimeEntry.objects.filter(organisation=org), period_start=start, period_end=end
            )
        )
        timings["billable_entries"].append(time.perf_counter() - began)

    def summary(values: list[float]) -> dict[str, float]:
        ordered = sorted(values)
        return {
            "p50_ms": round(ordered[len(ordered) // 2] * 1000, 2),
            "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
        }

    return {name: summary(values) for name, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--entries", type=int, default=200_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--database", default="", help="a generated database (bench_1000000): fill its tickets instead"
    )
    parser.add_argument("--per-ticket", type=int, default=5, help="entries per ticket with --database")
    options = parser.parse_args()
    if options.database:
        bench_django(options.database)
        began = time.perf_counter()
        _fill_big(options.per_ticket)
        filled = time.perf_counter() - began
        from escalade.tickets.models import Ticket
        from escalade.timetracking.models import TimeEntry

        print(json.dumps({
            "tickets": Ticket.objects.count(), "entries": TimeEntry.objects.count(),
            "fill_s": round(filled, 1),
            **_measure(options.samples, clients_slug=""),
        }, indent=2))  # fmt: skip
        return
    _setup()
    began = time.perf_counter()
    _fill(options.clients, options.entries)
    filled = time.perf_counter() - began
    from escalade.timetracking.models import TimeEntry

    result = {
        "clients": options.clients, "entries": TimeEntry.objects.count(), "fill_s": round(filled, 1),
        "entries_per_client_month": round(TimeEntry.objects.count() / options.clients / 24, 1),
        **_measure(options.samples),
    }  # fmt: skip
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
