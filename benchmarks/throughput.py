"""Requests per second under wrk, side by side: Escalade's web servers and django-helpdesk (issue 20).

Six engineers share the 2-core machine these figures come from, so the absolute rates move with
the neighbours' load. Each run therefore measures its contenders back to back, and reports for each
also the server CPU time per request (user + system time of the server's processes, from
``/proc/<pid>/stat``, over the requests wrk completed), which contention distorts much less::

    .venv/bin/python benchmarks/throughput.py --tickets 10000 --servers waitress,gunicorn \\
        --ops create,reply,status,assign,list,read,search,desk --peer /tmp/dh --peer-venv /tmp/dh-venv

``--servers``: ``waitress`` (``escalade serve --reuse-port``, 2 processes × 8 threads, as run.py),
``gunicorn`` (gthread, 2 processes × 4 threads), ``gunicorn-sync`` (4 processes), ``granian`` (WSGI,
2 processes × 4 threads). Each starts with one ``escalade worker`` beside it (its CPU is reported
apart). ``--peer``: a copy of ``shared/peers/django-helpdesk`` with its data generated
(``helpdesk_<tickets>`` unless ``--peer-db``), served by gunicorn with 4 sync workers as in its kit;
its one-ticket-per-request creation is measured with the kit's wrk script.
wrk: 2 threads, 8 connections, ``--duration`` seconds per figure, after a 5-second warm-up.
``--database NAME`` measures another generated database (``escalade_NAME``) and ``--port`` moves the
servers (Escalade on it, the peer on the next); a server that has not stopped 30 s after SIGTERM is
killed.
"""

from __future__ import annotations

import argparse
import contextlib
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks import bench_django, bench_env, bench_name  # noqa: E402 - the repository root is on the path

BIN = Path(sys.executable).parent
PORT = 18351
TICKS = os.sysconf("SC_CLK_TCK")

LUA_COMMON = """
local counter, tid = 0, 0
local refs = {%(refs)s}
local agents = {%(agents)s}
setup = function(thread) thread:set("tid", tostring(#threads)) ; table.insert(threads, thread) end
threads = {}
init = function(args) tid = tonumber(wrk.thread:get("tid")) or 0 end
local function pick()
  counter = counter + 1
  local half = math.floor(#refs / 2)
  local index = tid * half + (counter %% half) + 1
  return refs[index], math.floor(counter / half)
end
wrk.headers["Authorization"] = "Bearer %(key)s"
wrk.headers["Content-Type"] = "application/json"
"""

LUA_OPS = {
    "create": """
request = function()
  return wrk.format("POST", "/api/tickets", nil, '{"title": "Imprimante bloquée au 2e étage", ' ..
    '"description": "Bourrage papier", "requester_id": %(requester)s, "impact": 2, "urgency": 2}')
end""",
    "reply": """
request = function()
  local ref = pick()
  return wrk.format("POST", "/api/tickets/" .. ref .. "/followups", nil, '{"body": "Nous regardons."}')
end""",
    "status": """
request = function()
  local ref, visit = pick()
  local state = (visit %% 2 == 0) and "pending_third_party" or "in_progress"
  return wrk.format("POST", "/api/tickets/" .. ref .. "/transition", nil, '{"state": "' .. state .. '"}')
end""",
    "assign": """
request = function()
  local ref, visit = pick()
  return wrk.format("PATCH", "/api/tickets/" .. ref, nil,
    '{"assignee_id": ' .. agents[(visit %% #agents) + 1] .. '}')
end""",
    "list": """
request = function() return wrk.format("GET", "/api/tickets?limit=25") end""",
    "read": """
request = function() local ref = pick() ; return wrk.format("GET", "/api/tickets/" .. ref) end""",
    "search": """
local words = {"imprimante", "printer", "mot de passe", "VPN", "password", "messagerie", "écran", "laptop"}
request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/search?q=" .. words[(counter %% #words) + 1]:gsub(" ", "+"))
end""",
    "desk": """
wrk.headers["Authorization"] = nil
wrk.headers["Cookie"] = "%(cookie)s"
request = function() return wrk.format("GET", "/desk/?queue=team") end""",
}

LUA_DONE = """
done = function(summary, latency, requests)
  io.write(string.format('WRK_JSON {"requests": %d, "seconds": %.2f, "p50_ms": %.1f, "p95_ms": %.1f, ' ..
    '"p99_ms": %.1f, "non2xx": %d, "errors": %d}\\n', summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
end
"""


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of ``pids`` and their children (a gunicorn or granian master's workers)."""
    total = 0.0
    seen = set()
    pending = list(pids)
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            pending.extend(int(child) for child in children)
    return total


def rss_mb(pids: list[int]) -> float:
    """Resident memory of ``pids`` and their children, MB."""
    total, pending, seen = 0, list(pids), set()
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        with contextlib.suppress(OSError, StopIteration):
            status = Path(f"/proc/{pid}/status").read_text()
            total += int(next(row for row in status.splitlines() if row.startswith("VmRSS:")).split()[1])
            pending.extend(int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())
    return round(total / 1024, 1)


def wait_up(url: str) -> None:
    for _ in range(300):
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=2).read()
            return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


def server_command(kind: str, port: int) -> list[list[str]]:
    """The commands of one server configuration (one process each)."""
    if kind == "waitress":
        serve = [str(BIN / "escalade"), "serve", "--port", str(port), "--reuse-port", "--no-worker"]
        return [[*serve, "--threads", "8"]] * 2
    if kind == "gunicorn":
        return [[str(BIN / "gunicorn"), "escalade.wsgi:application", "-b", f"127.0.0.1:{port}",
                 "-k", "gthread", "-w", "2", "--threads", "4"]]  # fmt: skip
    if kind == "gunicorn-sync":
        return [[str(BIN / "gunicorn"), "escalade.wsgi:application", "-b", f"127.0.0.1:{port}", "-w", "4"]]
    if kind == "granian":
        return [[str(BIN / "granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
                 "--workers", "2", "--blocking-threads", "4", "escalade.wsgi:application"]]  # fmt: skip
    raise SystemExit(f"unknown server {kind}")


STOP_SECONDS = 30


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Ask ``procs`` to stop (SIGTERM); any still running after :data:`STOP_SECONDS` is killed."""
    for proc in procs:
        proc.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for proc in procs:
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"pid {proc.pid} did not stop within {STOP_SECONDS} s: killed", file=sys.stderr)
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def escalade(kind: str, name: str, port: int = PORT) -> Iterator[tuple[list[int], int]]:
    """Escalade's server ``kind`` on ``port`` with one worker, on the database ``escalade_<name>``:
    (the server's pids, the worker's pid)."""
    env = bench_env(name)
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for command in server_command(kind, port)
    ]
    worker = subprocess.Popen(
        [str(BIN / "escalade"), "worker"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        wait_up(f"http://127.0.0.1:{port}/health")
        yield [proc.pid for proc in procs], worker.pid
    finally:
        stop([*procs, worker])


def wrk(script: str, url: str, duration: int) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(
            ["wrk", "-t2", "-c8", f"-d{duration}s", "--timeout", "30s", "-s", handle.name, url],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        Path(handle.name).unlink()
    line = next(row for row in output.splitlines() if row.startswith("WRK_JSON "))
    result: dict[str, Any] = json.loads(line.removeprefix("WRK_JSON "))
    return result


def measure(
    script: str, url: str, duration: int, pids: list[int], before: Callable[[], None] = lambda: None
) -> dict[str, Any]:
    """wrk's figures for ``script`` after a warm-up, with the server CPU per request; ``before`` runs
    before each of the two runs (e.g. puts the tickets back in the state the script expects)."""
    before()
    wrk(script, url, 5)  # warm-up
    before()
    cpu = cpu_seconds(pids)
    result = wrk(script, url, duration)
    used = cpu_seconds(pids) - cpu
    requests = max(1, result["requests"])
    return {
        "per_s": round(requests / result["seconds"], 1),
        "p50_ms": result["p50_ms"],
        "p95_ms": result["p95_ms"],
        "p99_ms": result["p99_ms"],
        "cpu_ms_per_request": round(used * 1000 / requests, 2),
        "non2xx": result["non2xx"],
        "errors": result["errors"],
    }


def fixtures(tickets: int) -> dict[str, str]:
    """A token and ids for the scripts: an agent of a team, its open tickets (set in progress), the
    team's agents, a requester, and a desk session cookie."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from escalade.accounts.models import Role, TeamMembership, User
    from escalade.api.services import api_token_create
    from escalade.core.actors import Actor
    from escalade.tickets.choices import State
    from escalade.tickets.models import Ticket

    agent = User.objects.filter(role=Role.AGENT, email__startswith="gen.").order_by("pk")[:1].get()
    team = TeamMembership.objects.filter(user=agent).order_by("pk")[:1].get().team
    agents = list(team.memberships.values_list("user_id", flat=True)[:4])
    requester = User.objects.filter(role=Role.REQUESTER, email__contains="@gen").order_by("pk")[:1].get()
    _row, key = api_token_create(actor=Actor.system("benchmark"), user=agent, name="throughput")
    refs = list(
        Ticket.objects.filter(team=team, state__in=[State.ASSIGNED, State.IN_PROGRESS, State.NEW])
        .order_by("-pk")
        .values_list("reference", flat=True)[:200]
    )
    Ticket.objects.filter(reference__in=refs).update(state=State.IN_PROGRESS)
    session = SessionStore()
    session[SESSION_KEY] = str(agent.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
    session.create()
    return {
        "key": key,
        "refs": ", ".join(f'"{ref}"' for ref in refs),
        "agents": ", ".join(str(pk) for pk in agents),
        "requester": str(requester.pk),
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
    }


def peer_session(port: int) -> tuple[str, str]:
    """Log in to django-helpdesk as its kit's staff user: (session id, CSRF token)."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    opener.open(f"{base}/login/").read()
    csrf = next(cookie.value or "" for cookie in jar if cookie.name == "csrftoken")
    data = urllib.parse.urlencode(
        {"username": "staff01", "password": "staffpass", "csrfmiddlewaretoken": csrf, "next": "/tickets/"}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=data, headers={"Referer": f"{base}/login/"})
    opener.open(request).read()
    cookies = {cookie.name: cookie.value or "" for cookie in jar}
    return cookies["sessionid"], cookies["csrftoken"]


def bench_peer(peer: Path, venv: Path, database: str, duration: int, port: int) -> dict[str, Any]:
    # Not this process's environment: bench_django put Escalade's settings module in it.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/"),
        "DH_PGNAME": database,
        "DH_DB": "pg",
    }
    master = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "hdsite.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "4", "--timeout", "600"],
        cwd=peer / "site", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_up(f"http://127.0.0.1:{port}/login/")
        session, csrf = peer_session(port)
        script = (peer / "wrk_create.lua").read_text()
        script = script.replace('os.getenv("DH_SESSION")', f'"{session}"').replace(
            'os.getenv("DH_CSRF")', f'"{csrf}"'
        )
        script = script.replace("http://127.0.0.1:8000/", f"http://127.0.0.1:{port}/")
        script = re.sub(r"(?s)\ndone = function.*", lambda _match: LUA_DONE, script)
        result = measure(script, f"http://127.0.0.1:{port}", duration, [master.pid])
        result["rss_mb"] = rss_mb([master.pid])
        return {"create": result}
    finally:
        stop([master])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--servers", default="waitress,gunicorn")
    parser.add_argument("--ops", default="create,reply,status,assign,list,read,search,desk")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--peer", type=Path)
    parser.add_argument("--peer-venv", type=Path, default=Path(tempfile.gettempdir()) / "dh-venv")
    parser.add_argument("--peer-db")
    parser.add_argument("--database", help="escalade_<name> (default: escalade_bench_<tickets>)")
    parser.add_argument("--port", type=int, default=PORT, help="Escalade's port (the peer's is the next one)")
    args = parser.parse_args()
    name = bench_name(args.database, args.tickets)
    bench_django(name)
    values = fixtures(args.tickets)
    from escalade.tickets.choices import State
    from escalade.tickets.models import Ticket

    references = [ref.strip('" ') for ref in values["refs"].split(",")]

    def reset() -> None:  # the status script alternates from "in progress"
        Ticket.objects.filter(reference__in=references).update(state=State.IN_PROGRESS)

    def noop() -> None:
        pass

    results: dict[str, Any] = {
        "tickets": args.tickets,
        "database": f"escalade_{name}",
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    if args.peer:
        database = args.peer_db or f"helpdesk_{args.tickets}"
        results["django-helpdesk"] = bench_peer(
            args.peer, args.peer_venv, database, args.duration, args.port + 1
        )
        print("django-helpdesk", results["django-helpdesk"], flush=True)
    for kind in args.servers.split(","):
        figures: dict[str, Any] = {}
        with escalade(kind, name, args.port) as (pids, worker):
            for op in args.ops.split(","):
                script = (LUA_COMMON + LUA_OPS[op]) % values + LUA_DONE
                figures[op] = measure(
                    script,
                    f"http://127.0.0.1:{args.port}",
                    args.duration,
                    pids,
                    before=reset if op == "status" else noop,
                )
                print(kind, op, figures[op], flush=True)
            figures["rss_mb"] = rss_mb(pids)
            figures["worker_cpu_s"] = round(cpu_seconds([worker]), 1)
        results[kind] = figures
    out = ROOT / "benchmarks" / "results" / f"throughput-{name}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
