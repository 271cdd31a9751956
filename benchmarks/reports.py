"""Reports at a modest size: the dashboard, one client's month (PDF included), 12 months of all clients.

    .venv/bin/python benchmarks/reports.py --tickets 20000     # its own database, escalade_bench_reports
    .venv/bin/python benchmarks/reports.py --tickets 20000 --name bench_facts   # another database
    .venv/bin/python benchmarks/reports.py --database bench_1000000 --workers 2  # a generated database

Tickets are written straight into the table (12 months, 10 clients, 3 teams, 8 categories, 10 % open;
resolved ones answered within hours), then ``rollups_rebuild`` computes their facts and rollups (timed:
the rebuild command's speed). The figures then come from the rollups and the fact rows, as in the desk.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import bench_django  # noqa: E402 - the repository root is on the path just above

CLIENTS, TEAMS, CATEGORIES = 10, 3, 8


def _timed(action: Callable[[], Any], runs: int) -> dict[str, float]:
    action()  # one warm-up run, not counted (templates, fonts, the plan cache), as the pages benchmark does
    samples, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        action()
        samples.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000, 1),
        "cpu_p50_ms": round(statistics.median(cpu) * 1000, 1),  # this process; PostgreSQL not included
    }


def _fill(tickets: int) -> None:
    from django.db import connection

    from escalade.accounts.models import Role, Team, User
    from escalade.orgs.models import Organisation
    from escalade.tickets.models import Category, Ticket

    existing = Ticket.objects.count()
    if existing >= tickets:
        return
    provider = Organisation.objects.get_or_create(
        slug="provider", defaults={"name": "Provider", "kind": "provider"}
    )[0]
    clients = [
        Organisation.objects.get_or_create(slug=f"client-{n}", defaults={"name": f"Client {n}"})[0]
        for n in range(CLIENTS)
    ]
    teams = [Team.objects.get_or_create(name=f"Team {n}")[0] for n in range(TEAMS)]
    categories = [
        Category.objects.get_or_create(name_fr=f"Cat {n}", name_en=f"Cat {n}")[0] for n in range(CATEGORIES)
    ]
    requesters = [
        User.objects.get_or_create(email=f"req{n}@client.example", defaults={"organisation": org})[0]
        for n, org in enumerate(clients)
    ]
    User.objects.get_or_create(
        email="supervisor@provider.example", defaults={"organisation": provider, "role": Role.SUPERVISOR}
    )
    rows = [
        Ticket(
            reference=f"BEN-{n:07d}",
            title=f"Ticket {n}",
            requester=requesters[n % CLIENTS],
            organisation=clients[n % CLIENTS],
            team=teams[n % TEAMS],
            category=categories[n % CATEGORIES],
            priority=1 + n % 5,
            state="new" if n % 10 == 0 else "resolved",
        )
        for n in range(existing, tickets)
    ]
    Ticket.objects.bulk_create(rows, batch_size=5_000)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE tickets_ticket SET created_at = now() - (id % 365) * interval '1 day' "
            "- (id % 600) * interval '1 minute'"
        )
        cursor.execute(
            "UPDATE tickets_ticket SET first_responded_at = created_at + (id % 240) * interval '1 minute', "
            "resolved_at = created_at + (id % 4000) * interval '1 minute' WHERE state = 'resolved'"
        )


def bench_reports(*, tickets: int) -> dict[str, object]:
    import datetime as dt

    from django.utils import timezone

    from escalade.accounts.models import User
    from escalade.orgs.models import Organisation
    from escalade.reports.content import report_content
    from escalade.reports.dashboard import dashboard_for
    from escalade.reports.models import MonthlyReport
    from escalade.reports.monthly import monthly_pdf
    from escalade.reports.rollups import rollups_rebuild
    from escalade.reports.selectors import ReportFilters

    _fill(tickets)
    start, cpu = time.perf_counter(), _cpu()
    counted = rollups_rebuild()
    rebuild, rebuild_cpu = time.perf_counter() - start, _cpu() - cpu
    supervisor = User.objects.get(email="supervisor@provider.example")
    client = Organisation.objects.get(slug="client-0")
    all_clients = frozenset(Organisation.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    report = MonthlyReport.objects.get_or_create(organisation=client, month=month)[0]
    year = ReportFilters(start=today - dt.timedelta(days=365), end=today, organisation_ids=all_clients)
    return {
        "tickets": counted,
        "rebuild (facts and rollups)": (
            f"{rebuild:.1f} s ({counted / rebuild:.0f} tickets/s; CPU {rebuild_cpu:.1f} s, "
            f"{1e6 * rebuild_cpu / max(counted, 1):.0f} µs per ticket)"
        ),
        "dashboard (supervisor)": _timed(lambda: dashboard_for(user=supervisor), 20),
        "one client's month, PDF included": _timed(lambda: monthly_pdf(report=report), 5),
        "12 months, all clients": _timed(lambda: report_content(filters=year), 5),
    }


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the facts' workers)."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + children.ru_utime + children.ru_stime


def bench_generated(*, workers: int) -> Iterator[tuple[str, object]]:
    """The same figures on a database made by ``escalade generate`` (``--database bench_1000000``):
    the facts its tickets miss are computed by ``workers`` processes (timed, resumable), the rollups
    rebuilt set-based (timed), then the busiest client's month and every client's year are measured
    for a supervisor (one is added when the generated staff has none). Each line as soon as known."""
    import datetime as dt

    from django.db.models import Count
    from django.utils import timezone

    from escalade.accounts.models import Role, User
    from escalade.orgs.models import Organisation
    from escalade.reports.content import report_content
    from escalade.reports.dashboard import dashboard_for
    from escalade.reports.models import MonthlyReport, TicketFact
    from escalade.reports.monthly import monthly_pdf
    from escalade.reports.rollups import facts_rebuild_parallel, reports_tables_vacuum, rollups_from_facts_sql
    from escalade.reports.selectors import ReportFilters

    start, cpu = time.perf_counter(), _cpu()
    computed = facts_rebuild_parallel(workers=workers, batch=2000, missing_only=True)
    facts_s, facts_cpu = time.perf_counter() - start, _cpu() - cpu
    yield "facts", TicketFact.objects.count()
    yield (
        "facts computed now",
        (
            f"{computed} in {facts_s:.1f} s ({computed / max(facts_s, 1e-3):.0f}/s, {workers} workers; "
            f"CPU {facts_cpu:.1f} s, {1e6 * facts_cpu / max(computed, 1):.0f} µs per ticket)"
        ),
    )
    start = time.perf_counter()
    rows = rollups_from_facts_sql()
    yield "rollups (set-based)", f"{rows} rows in {time.perf_counter() - start:.1f} s"
    start = time.perf_counter()
    reports_tables_vacuum()
    yield "VACUUM ANALYZE facts and rollups", f"{time.perf_counter() - start:.1f} s"
    supervisor = User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk").first()
    if supervisor is None:  # the generator makes agents and requesters only
        provider = Organisation.objects.filter(kind="provider").order_by("pk").first()
        assert provider is not None, "the generated database has its provider"
        supervisor = User.objects.create(
            email="bench.supervisor@provider.example", organisation=provider, role=Role.SUPERVISOR
        )
    busiest = TicketFact.objects.values("organisation_id").annotate(n=Count("pk")).order_by("-n").first()
    assert busiest is not None, "the database has tickets"
    yield "busiest client's tickets", busiest["n"]
    client = Organisation.objects.get(pk=busiest["organisation_id"])
    all_clients = frozenset(Organisation.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    report = MonthlyReport.objects.get_or_create(organisation=client, month=month)[0]
    year = ReportFilters(start=today - dt.timedelta(days=365), end=today, organisation_ids=all_clients)
    yield "dashboard (supervisor)", _timed(lambda: dashboard_for(user=supervisor), 40)
    yield "one client's month, PDF included", _timed(lambda: monthly_pdf(report=report), 10)
    yield "12 months, all clients", _timed(lambda: report_content(filters=year), 10)
    yield "load average", " ".join(f"{load:.1f}" for load in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--name", default="bench_reports", help="the database of --tickets (escalade_NAME)")
    parser.add_argument("--database", default="", help="a generated database (bench_1000000) instead")
    parser.add_argument("--workers", type=int, default=2, help="processes computing the missing facts")
    args = parser.parse_args()
    if args.database:
        bench_django(args.database)
        for key, value in bench_generated(workers=args.workers):
            print(f"{key:<34}  {value}", flush=True)
        return
    bench_django(args.name)
    for key, value in bench_reports(tickets=args.tickets).items():
        print(f"{key:<34}  {value}")


if __name__ == "__main__":
    main()
