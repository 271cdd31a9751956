"""Escalade's benchmark suite: pages, API throughput, SLA sweep, due dates, import, e-mail, memory.

Run from the repository root with the project's virtualenv (see benchmarks/README.md). Page timings
(queue, ticket page, portal, search) are added as those pages land.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import bench_env  # noqa: E402 - the repository root is on the path just above

RESULTS = ROOT / "benchmarks" / "results"
ESCALADE = str(Path(sys.executable).with_name("escalade"))
PORT = 8471


def _env(tickets: int) -> dict[str, str]:
    return bench_env(f"bench_{tickets}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.5) * 1000, 1),
        "p95_ms": round(percentile(samples, 0.95) * 1000, 1),
    }


def prepare(tickets: int, open_share: float) -> None:
    """Create, migrate and fill the benchmark database once."""
    env = _env(tickets)
    database = f"escalade_bench_{tickets}"
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname='{database}'",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", f"CREATE DATABASE {database}"], check=True
        )
    subprocess.run([ESCALADE, "manage", "migrate", "-v0"], env=env, check=True)
    subprocess.run([ESCALADE, "manage", "collectstatic", "--noinput", "-v0"], env=env, check=True)
    import django

    os.environ.update(env)
    django.setup()
    from escalade.tickets.models import Ticket

    have = Ticket.objects.count()
    if have < tickets:
        started = time.monotonic()
        subprocess.run(
            [ESCALADE, "generate", "--tickets", str(tickets - have), "--open-share", str(open_share)],
            env=env,
            check=True,
        )
        print(f"generated {tickets - have} tickets in {time.monotonic() - started:.0f} s")
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-c", "VACUUM ANALYZE"], check=True
    )


@contextlib.contextmanager
def servers(tickets: int, processes: int = 2) -> Iterator[list[subprocess.Popen[bytes]]]:
    env = _env(tickets)
    procs = [
        subprocess.Popen(
            [ESCALADE, "serve", "--port", str(PORT), "--reuse-port", "--no-worker", "--threads", "8"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(processes)
    ]
    procs.append(
        subprocess.Popen([ESCALADE, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    )
    try:
        for _ in range(100):
            with contextlib.suppress(OSError):
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health", timeout=2).read()
                break
            time.sleep(0.2)
        yield procs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=20)


def _token() -> str:
    from escalade.accounts.models import Role, User
    from escalade.api.services import api_token_create
    from escalade.core.actors import Actor

    agent = User.objects.filter(role=Role.AGENT, email__startswith="gen.").order_by("pk")[:1].get()
    _token_row, key = api_token_create(actor=Actor.system("benchmark"), user=agent, name="benchmark")
    return key


def _requester_id() -> int:
    from escalade.accounts.models import Role, User

    return int(User.objects.filter(role=Role.REQUESTER, email__contains="@gen").order_by("pk")[:1].get().pk)


def _post(url: str, key: str, body: dict[str, Any]) -> float:
    data = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as response:
        response.read()
        assert response.status == 201, response.status
    return time.perf_counter() - started


def bench_api(tickets: int) -> dict[str, Any]:
    key, requester = _token(), _requester_id()
    url = f"http://127.0.0.1:{PORT}/api/tickets"
    body = {
        "title": "Imprimante bloquée au 2e étage",
        "description": "Bourrage papier",
        "requester_id": requester,
        "impact": 2,
        "urgency": 2,
    }
    with servers(tickets):
        for _ in range(20):  # warm-up
            _post(url, key, body)
        started = time.perf_counter()
        sequential = [_post(url, key, body) for _ in range(200)]
        sequential_rate = len(sequential) / (time.perf_counter() - started)
        with ThreadPoolExecutor(max_workers=8) as pool:
            started = time.perf_counter()
            concurrent = list(pool.map(lambda _i: _post(url, key, body), range(800)))
            concurrent_rate = len(concurrent) / (time.perf_counter() - started)
        batch = {"items": [body] * BATCH_SIZE}
        _post(f"{url}/batch", key, batch)  # warm-up
        with ThreadPoolExecutor(max_workers=8) as pool:
            started = time.perf_counter()
            batches = list(pool.map(lambda _i: _post(f"{url}/batch", key, batch), range(BATCHES)))
            batch_rate = len(batches) * BATCH_SIZE / (time.perf_counter() - started)
    return {
        "api_create_sequential": {"tickets_per_s": round(sequential_rate), **timed(sequential)},
        "api_create_8_clients": {"tickets_per_s": round(concurrent_rate), **timed(concurrent)},
        # p50/p95: per batch request of BATCH_SIZE tickets.
        "api_create_batch_8_clients": {"tickets_per_s": round(batch_rate), **timed(batches)},
    }


BATCH_SIZE, BATCHES = 100, 80  # POST /api/tickets/batch: 8 clients, 8,000 tickets


def bench_sweep() -> dict[str, Any]:
    from escalade.sla.services import sla_sweep
    from escalade.tickets.choices import OPEN_STATES
    from escalade.tickets.models import Ticket

    open_tickets = Ticket.objects.filter(state__in=OPEN_STATES).count()
    sla_sweep()  # first sweep flags what is due
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        sla_sweep()
        samples.append(time.perf_counter() - started)
    return {"sla_sweep": {"open_tickets": open_tickets, "seconds_p50": round(statistics.median(samples), 3)}}


def bench_due_dates() -> dict[str, Any]:
    import datetime as dt

    from escalade.sla.businesstime import add_business_time
    from escalade.sla.models import SlaPolicy

    calendar = SlaPolicy.objects.get(is_default=True).calendar.working_calendar(years=range(2025, 2029))
    start = dt.datetime(2026, 3, 2, 7, 0, tzinfo=dt.UTC)
    count, started = 20_000, time.perf_counter()
    for index in range(count):
        add_business_time(
            calendar=calendar,
            start=start + dt.timedelta(minutes=37 * index),
            duration=dt.timedelta(minutes=240 + index % 2000),
        )
    return {"due_dates": {"per_s": round(count / (time.perf_counter() - started))}}


def bench_import(tickets: int) -> dict[str, Any]:
    """A whole migration of ``tickets`` rows into a fresh database (``benchmarks/importing.py``, in a
    process of its own): the overall rate and the rates of the first and last batches."""
    output = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "importing.py"), "--rows", str(tickets)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    ).stdout  # fmt: skip
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def bench_memory(tickets: int) -> dict[str, Any]:
    key, requester = _token(), _requester_id()
    body = {"title": "Mémoire", "requester_id": requester}
    with servers(tickets, processes=1) as procs:
        for _ in range(200):
            _post(f"http://127.0.0.1:{PORT}/api/tickets", key, body)
        time.sleep(2)
        rss = {}
        for name, proc in (("web_worker", procs[0]), ("background_worker", procs[-1])):
            status = Path(f"/proc/{proc.pid}/status").read_text()
            line = next(row for row in status.splitlines() if row.startswith("VmHWM:"))
            rss[name] = round(int(line.split()[1]) / 1024)
    return {"peak_memory_mb": rss}


def _page_times(client: Any, paths: list[str], repeat: int = 3) -> list[float]:
    """Server times of ``paths``, ``repeat`` rounds after one warm-up round that is not counted (a
    process's first request of a page loads and compiles its templates once)."""
    for path in paths:
        client.get(path)
    samples = []
    for _ in range(repeat):
        for path in paths:
            started = time.perf_counter()
            response = client.get(path)
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.status_code)
    return samples


def bench_pages(_tickets: int) -> dict[str, Any]:
    """Server time of the desk's queue and ticket pages and the portal (in-process test client); the
    search page has its own suite (``--only search``)."""
    from django.db.models import Count
    from django.test import Client

    from escalade.accounts.models import Role, User
    from escalade.tickets.choices import OPEN_STATES
    from escalade.tickets.models import Ticket

    agent = User.objects.filter(role=Role.AGENT, email__startswith="gen.").order_by("pk")[:1].get()
    supervisor = User.objects.filter(role=Role.SUPERVISOR).first() or agent
    busiest = (
        Ticket.objects.values("requester")
        .annotate(count=Count("id"))
        .order_by("-count")
        .values("requester")[:1]
    )
    requester = User.objects.get(pk__in=busiest)
    staff, portal = Client(), Client()
    staff.force_login(agent)
    portal.force_login(requester)
    queues = [f"/desk/?queue={q}" for q in ("team", "unassigned", "at_risk", "breached", "out_of_contract")]
    open_refs = list(
        Ticket.objects.filter(state__in=OPEN_STATES, organisation__teams__members=agent)
        .order_by("?")
        .values_list("reference", flat=True)[:30]
    )
    results = {
        "queue_page": timed(_page_times(staff, queues, repeat=10)),
        # The counters the queue page loads right after it (their own htmx request).
        "queue_counters": timed(_page_times(staff, ["/desk/counters/?queue=team"], repeat=20)),
        "ticket_page": timed(_page_times(staff, [f"/desk/t/{ref}/" for ref in open_refs])),
        "portal_my_tickets": timed(_page_times(portal, ["/portal/"], repeat=30)),
    }
    if supervisor != agent:
        supervising = Client()
        supervising.force_login(supervisor)
        results["queue_page_all_clients"] = timed(
            _page_times(supervising, ["/desk/?queue=all_open"], repeat=20)
        )
    return results


def _mail_marks() -> dict[str, int]:
    """The last id of each table the e-mail benchmark writes to, to delete its rows afterwards."""
    from django.db.models import Max

    from escalade.mail.models import BouncingAddress, MailMessage, OutboundMail, Quarantine, SeenMessage
    from escalade.tickets.models import FollowUp, Ticket

    models = (Ticket, FollowUp, MailMessage, OutboundMail, Quarantine, SeenMessage, BouncingAddress)
    return {model.__name__: model.objects.aggregate(last=Max("pk"))["last"] or 0 for model in models}


def _mail_forget(marks: dict[str, int]) -> None:
    """Delete what the e-mail benchmark created, so that the database stays the generated one for the
    other benchmarks: its tickets (with their follow-ups, mails, notifications), its follow-ups on
    generated tickets, its quarantine, claims and bounce records. Events (append-only) and the few
    people created from unknown senders stay; state changes of the generated tickets it answered too."""
    from django.db import transaction

    from escalade.mail.models import BouncingAddress, MailMessage, OutboundMail, Quarantine, SeenMessage
    from escalade.tickets.models import FollowUp, Ticket

    with transaction.atomic():
        for model in (Ticket, FollowUp, MailMessage, OutboundMail, Quarantine, SeenMessage, BouncingAddress):
            model.objects.filter(pk__gt=marks[model.__name__]).delete()


def bench_mail(_tickets: int, count: int = 2_000, warm_up: int = 100) -> dict[str, Any]:
    """E-mail ingestion by one worker: the IMAP poller (claim, parse, dedupe, thread, ticket or follow-up,
    attachments, quarantine, flag) over ``count`` realistic messages held in memory (see
    ``benchmarks/mail_source.py``); the after-commit tasks it queues (acknowledgements, indexing) are
    the other workers' job and are flushed from the benchmark queue afterwards, and what it wrote is
    deleted (see ``_mail_forget``). The poller writes a group's messages together, so the latencies
    are a group's (claim to commit) and the queries are counted for the whole poll."""
    from django.conf import settings
    from django.db import connection
    from huey.contrib.djhuey import HUEY

    from escalade.accounts.models import Role, User
    from escalade.mail import imap
    from escalade.mail.models import Mailbox, Security
    from escalade.tickets.choices import OPEN_STATES
    from escalade.tickets.models import Ticket

    sys.path.insert(0, str(ROOT))
    from benchmarks.mail_source import Builder, Known, LocalMailbox, Person

    requesters = User.objects.filter(
        role=Role.REQUESTER, is_active=True, email__startswith="user", email__contains="@gen"
    ).order_by("pk")
    people = {
        pk: Person(email, name, language)
        for pk, email, name, language in requesters.values_list("pk", "email", "full_name", "language")[:3000]
    }
    known = [
        Known(reference, title, people[requester])
        for reference, title, requester in Ticket.objects.filter(
            requester__in=list(people), state__in=OPEN_STATES
        )
        .order_by("pk")
        .values_list("reference", "title", "requester")[:500]
    ]
    stamp = int(time.time())
    builder = Builder(people=list(people.values()), known=known, stamp=str(stamp))
    source = LocalMailbox(builder.build(warm_up + count), uidvalidity=stamp)
    mailbox, _created = Mailbox.objects.get_or_create(
        name="benchmark",
        defaults={"email": "support@desk.example", "host": "localhost", "security": Security.NONE,
                  "username": "support", "password": "-"},
    )  # fmt: skip
    settings.ESCALADE_MAIL_RATE_PER_HOUR = 1_000_000  # the check runs; repeated runs must not trip it
    marks = _mail_marks()
    imap.mailbox_poll(mailbox, client=source, limit=warm_up)

    queries = [0]

    def count_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[0] += 1
        return execute(sql, params, many, context)

    samples: list[float] = []
    sizes: list[int] = []
    import_group = imap._import_group

    def timed_group(*args: Any) -> list[int]:
        started = time.perf_counter()
        done = import_group(*args)
        samples.append(time.perf_counter() - started)
        sizes.append(len(done))
        return done

    with mock.patch.object(imap, "_import_group", timed_group), connection.execute_wrapper(count_queries):
        started = time.perf_counter()
        report = imap.mailbox_poll(mailbox, client=source, limit=count)
        elapsed = time.perf_counter() - started
    HUEY.flush()
    _mail_forget(marks)
    messages = report.imported
    return {
        "mail_ingest": {
            "messages": messages,
            "messages_per_s": round(messages / elapsed),
            "groups": len(samples),
            "messages_per_group": round(statistics.mean(sizes), 1),
            **{f"group_{key}": value for key, value in timed(samples).items()},
            "queries_per_message": round(queries[0] / messages, 1),
            "outcomes": report.outcomes,
            "source": "in-memory raw messages behind the poller's IMAP interface",
        }
    }


def bench_search(tickets: int) -> dict[str, Any]:
    """Search page and API, as an agent, a client manager and a requester: see benchmarks/search_load.py."""
    sys.path.insert(0, str(ROOT))
    from benchmarks.search_load import bench_search as run

    return run(tickets)


def bench_automation(tickets: int) -> dict[str, Any]:
    """Rules on ticket creation, the time automations' sweep: see benchmarks/automation.py."""
    from benchmarks.automation import bench_automation as run

    return run(tickets)


def bench_webhooks(tickets: int) -> dict[str, Any]:
    """Webhook deliveries per second of one worker to a local receiver: see benchmarks/webhooks.py."""
    from benchmarks.webhooks import bench_webhooks as run

    return run(tickets)


def bench_alerts(tickets: int) -> dict[str, Any]:
    """Alert notifications per second of one worker, a storm deduplicated: see benchmarks/alerts.py."""
    from benchmarks.alerts import bench_alerts as run

    return run(tickets)


def bench_assets(tickets: int) -> dict[str, Any]:
    """Asset list and page p95, inventory intake full and unchanged: see benchmarks/assets.py."""
    from benchmarks.assets import bench_assets as run

    return run(tickets)


SUITES: dict[str, Callable[[int], dict[str, Any]]] = {
    "pages": bench_pages,
    "search": bench_search,
    "api": bench_api,
    "sweep": lambda _n: bench_sweep(),
    "due": lambda _n: bench_due_dates(),
    "import": bench_import,
    "mail": bench_mail,
    "memory": bench_memory,
    "automation": bench_automation,
    "webhooks": bench_webhooks,
    "alerts": bench_alerts,
    "assets": bench_assets,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--open-share", type=float, default=0.05)
    parser.add_argument("--only", default=",".join(SUITES))
    args = parser.parse_args()
    prepare(args.tickets, args.open_share)
    results: dict[str, Any] = {
        "tickets": args.tickets,
        "machine": f"{platform.node()} {os.cpu_count()} cores",
        "python": platform.python_version(),
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    for name in args.only.split(","):
        print(f"· {name}…", flush=True)
        results.update(SUITES[name](args.tickets))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.tickets}.json").write_text(json.dumps(results, indent=2))
    width = max(len(key) for key in results)
    for key, value in results.items():
        print(f"{key:<{width}}  {value}")


if __name__ == "__main__":
    main()
