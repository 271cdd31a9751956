"""The floor: one ticket's rows written with raw psycopg, no framework around them (issue 20).

The same statements a ``POST /api/tickets`` sends once its reference data is kept (see
``tests/api/test_statements.py``), with literal values: the transaction, the token lookup, the
requester, the reference counter, the ticket, its event, its due dates, the acknowledgement mail, the
reports' fact and daily rollup, the outbox row. No HTTP, no Python beyond the driver: what
PostgreSQL alone allows for one ticket, to set beside Escalade's figure::

    .venv/bin/python benchmarks/floor.py --tickets 10000 --count 2000 [--clients 8]

It writes into ``escalade_bench_<tickets>`` and deletes its rows at the end (but the events: the log
is append-only). Sequential by default;
``--clients`` runs that many connections in threads (psycopg releases the interpreter lock while it
waits on the server).
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from typing import Any

import psycopg

TICKET = """
INSERT INTO tickets_ticket (reference, kind, title, description, requester_id, organisation_id, site_id,
  contract_id, is_out_of_contract, out_of_contract_reason, category_id, channel, custom_fields, impact,
  urgency, priority, is_priority_overridden, state, team_id, assignee_id, support_level, sla_policy_id,
  resolution_code, solution, created_at, updated_at, state_changed_at)
VALUES (%s, 'incident', 'Imprimante bloquée au 2e étage', 'Bourrage papier', %s, %s, NULL, NULL, false, '',
  NULL, 'api', '{}', 2, 2, 3, false, 'new', %s, NULL, 1, %s, '', '', now(), now(), now()) RETURNING id"""
EVENT = """
INSERT INTO core_event (occurred_at, actor_kind, actor_id, actor_label, source_ip, content_type_id, object_id,
  object_repr, organisation_id, action, changes, data)
VALUES (now(), 'user', %s, 'floor', '127.0.0.1', %s, %s, %s, %s, 'ticket.created', '{}', '{}') RETURNING id"""
DUE = """UPDATE tickets_ticket SET first_response_due = now() + interval '4 hours',
  resolution_due = now() + interval '2 days' WHERE id = %s"""
MAIL = """
INSERT INTO mail_outboundmail (ticket_id, recipient_id, "to", kind, event_id, language, subject, body,
  message_id, in_reply_to, "references", reply_to, state, attempts, last_error, created_at, next_attempt_at)
VALUES (%s, %s, 'floor@example.org', 'ticket_received', %s, 'fr', '[ESC] Demande reçue', 'Bonjour…',
  %s, '', '', '', 'queued', 0, '', now(), now())"""
OUTBOX = """
INSERT INTO core_outboxtask (task, args, created_at, next_relay_at, attempts, last_error)
VALUES ('mail.send_many', '[[1]]', now(), now(), 0, ''), ('search.index_tickets', %s, now(), now(), 0, '')"""


def _context(conninfo: str) -> dict[str, Any]:
    with psycopg.connect(conninfo) as conn:
        agent, requester, organisation = conn.execute(
            "SELECT a.id, r.id, r.organisation_id FROM accounts_user a, accounts_user r "
            "WHERE a.email LIKE 'gen.%%' AND r.email LIKE '%%@gen%%' AND r.role = 'requester' "
            "ORDER BY a.id, r.id LIMIT 1"
        ).fetchone()  # type: ignore[misc]
        team = conn.execute(
            "SELECT team_id FROM accounts_team_organisations WHERE organisation_id = %s LIMIT 1",
            [organisation],
        ).fetchone()
        policy = conn.execute("SELECT id FROM sla_slapolicy WHERE is_default").fetchone()
        (content_type,) = conn.execute(
            "SELECT id FROM django_content_type WHERE app_label = 'tickets' AND model = 'ticket'"
        ).fetchone()  # type: ignore[misc]
        key_hash = conn.execute("SELECT key_hash FROM api_apitoken ORDER BY id DESC LIMIT 1").fetchone()
    return {
        "agent": agent, "requester": requester, "organisation": organisation, "team": team and team[0],
        "policy": policy and policy[0], "content_type": content_type,
        "key_hash": key_hash and key_hash[0],
    }  # fmt: skip


def _one(conn: psycopg.Connection[Any], ctx: dict[str, Any], number: int) -> None:
    with conn.transaction():
        conn.execute(
            "SELECT t.id, u.id FROM api_apitoken t JOIN accounts_user u ON u.id = t.user_id "
            "WHERE t.key_hash = %s AND t.revoked_at IS NULL AND u.is_active",
            [ctx["key_hash"]],
        ).fetchone()
        conn.execute(
            "SELECT u.id, o.id FROM accounts_user u JOIN orgs_organisation o ON o.id = u.organisation_id "
            "WHERE u.id = %s",
            [ctx["requester"]],
        ).fetchone()
        (last,) = conn.execute(
            "INSERT INTO tickets_ticketsequence (year, last_number) VALUES (9999, 1) ON CONFLICT (year) "
            "DO UPDATE SET last_number = tickets_ticketsequence.last_number + 1 RETURNING last_number"
        ).fetchone()  # type: ignore[misc]
        reference = f"FLR-9999-{last:07d}"
        (ticket,) = conn.execute(
            TICKET, [reference, ctx["requester"], ctx["organisation"], ctx["team"], ctx["policy"]]
        ).fetchone()  # type: ignore[misc]
        (event,) = conn.execute(
            EVENT, [ctx["agent"], ctx["content_type"], str(ticket), reference, ctx["organisation"]]
        ).fetchone()  # type: ignore[misc]
        conn.execute(DUE, [ticket])
        conn.execute(MAIL, [ticket, ctx["requester"], event, f"<floor.{ticket}.{number}@localhost>"])
        conn.execute(
            "INSERT INTO reports_ticketfact (ticket_id, organisation_id, team_id, category_id, channel, "
            "assignee_id, priority, created_day, first_response_day, resolved_day, first_response_seconds, "
            "resolution_seconds, first_response_met, resolution_met, reopens, max_level, is_first_contact, "
            "is_self_service, csat_score) VALUES (%s, %s, 0, 0, 'api', 0, 3, current_date, NULL, NULL, NULL, "
            "NULL, NULL, NULL, 0, 1, false, false, NULL)",
            [ticket, ctx["organisation"]],
        )
        conn.execute(
            "UPDATE reports_dailyrollup SET created = created + 1 WHERE day = current_date AND "
            "organisation_id = %s AND team_id = 0 AND category_id = 0 AND channel = 'api'",
            [ctx["organisation"]],
        )
        conn.execute(OUTBOX, [json.dumps([[ticket]])])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=1)
    args = parser.parse_args()
    conninfo = f"postgresql://postgres@127.0.0.1:5432/escalade_bench_{args.tickets}"
    ctx = _context(conninfo)
    per_client = args.count // args.clients
    samples: list[float] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            own = []
            for number in range(offset, offset + per_client):
                started = time.perf_counter()
                _one(conn, ctx, number)
                own.append(time.perf_counter() - started)
        with lock:
            samples.extend(own)

    started, cpu = time.perf_counter(), time.process_time()
    threads = [threading.Thread(target=client, args=(n * per_client,)) for n in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    with psycopg.connect(conninfo, autocommit=True) as conn:  # leave the benchmark database as it was
        mine = "SELECT id FROM tickets_ticket WHERE reference LIKE 'FLR-9999-%%'"
        conn.execute(
            "DELETE FROM core_outboxtask WHERE task = 'search.index_tickets' "
            f"AND (args->0->>0)::bigint IN ({mine})"
        )
        conn.execute(f"DELETE FROM reports_ticketfact WHERE ticket_id IN ({mine})")
        conn.execute(f"DELETE FROM notifications_notification WHERE ticket_id IN ({mine})")  # the SLA sweep
        conn.execute(f"DELETE FROM mail_outboundmail WHERE ticket_id IN ({mine})")
        conn.execute("DELETE FROM tickets_ticket WHERE reference LIKE 'FLR-9999-%%'")
        conn.execute("DELETE FROM tickets_ticketsequence WHERE year = 9999")
    samples.sort()
    print(json.dumps({
        "floor_tickets_per_s": round(len(samples) / elapsed),
        "clients": args.clients,
        "p50_ms": round(samples[len(samples) // 2] * 1000, 2),
        "p95_ms": round(samples[int(len(samples) * 0.95)] * 1000, 2),
        "client_cpu_ms_per_ticket": round(cpu * 1000 / len(samples), 3),
        "statements_per_ticket": 13,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
