"""Automation benchmarks (``benchmarks/run.py --only automation``): what rules add to a ticket creation,
and the time automations' sweep over the open tickets.

Everything is written in one transaction that is rolled back at the end: the benchmark database is
left as it was (rules, tickets, firings, events).

- creation: ``ticket_create`` as a requester, ``CREATIONS`` times with no rule, then with 200 active
  rules listening to creations whose conditions do not match, then with the same 200 plus one that
  matches (priority + team, as VIP routing does); p50/p95 per creation and the difference;
- sweep: the demo's time automations (pending on the requester for 3 business days, unassigned P1
  for 10 minutes, resolved for 14 days): the selection of due tickets alone (what runs every minute
  once the backlog is done), then one full run that acts on up to 500 tickets per automation.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

CREATIONS = 200
RULES = 200


class _RollBack(Exception):  # noqa: N818 - control flow
    pass


def _creation_samples(requester: Any, count: int) -> list[float]:
    from escalade.core.actors import Actor
    from escalade.tickets.services import ticket_create

    actor, samples = Actor.of(requester), []
    for n in range(count):
        started = time.perf_counter()
        ticket_create(actor=actor, requester=requester, title=f"Benchmark automation {n}", tags=["bench"])
        samples.append(time.perf_counter() - started)
    return samples


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 2),
    }


def _rules(count: int, *, matching: bool) -> None:
    from escalade.accounts.models import Team
    from escalade.automation.services import rule_save
    from escalade.core.actors import Actor

    actor = Actor.system("benchmark")
    for n in range(count):
        rule_save(
            actor=actor, name=f"bench {n}", triggers=["created", "updated", "replied_by_requester"],
            conditions={"match": "all", "items": [
                {"field": "title", "operator": "contains", "value": f"mot-introuvable-{n}"},
                {"field": "priority", "operator": "lte", "value": "2"},
            ]},
            actions=[{"type": "add_tags", "params": {"value": f"bench-{n}", "text": ""}}],
        )  # fmt: skip
    if matching:
        team = Team.objects.filter(is_active=True, support_level=2).first()
        actions = [{"type": "set_priority", "params": {"value": "2", "text": ""}}]
        if team is not None:
            actions.append({"type": "set_team", "params": {"value": str(team.pk), "text": ""}})
        rule_save(
            actor=actor, name="bench VIP", triggers=["created"], actions=actions,
            conditions={"items": [{"field": "tags", "operator": "contains", "value": "bench"}]},
        )  # fmt: skip


def _engine_us(requester: Any, repeat: int = 2_000) -> float:
    """The rules engine alone on one ``ticket.created`` event (what the rules add to a creation, free
    of the noise of the whole creation on a shared machine), in microseconds."""
    from escalade.automation.engine import automation_on_ticket_events
    from escalade.core.actors import Actor
    from escalade.core.events import Published
    from escalade.core.services import event_build
    from escalade.tickets.models import Ticket

    ticket = Ticket.objects.filter(requester=requester).select_related("requester").first()
    assert ticket is not None  # the warm-up created some
    event = event_build(actor=Actor.of(requester), obj=ticket, action="ticket.created")
    items = [Published(event, ticket)]
    automation_on_ticket_events(items)
    started = time.perf_counter()
    for _ in range(repeat):
        automation_on_ticket_events(items)
    return round((time.perf_counter() - started) / repeat * 1e6, 1)


def _requester() -> Any:
    from django.db.models import Exists, OuterRef

    from escalade.accounts.models import Role, Team, User

    served = Team.objects.filter(organisations=OuterRef("organisation_id"), is_active=True)
    return User.objects.filter(Exists(served), role=Role.REQUESTER, is_active=True).order_by("pk").first()


def _time_rules() -> list[Any]:
    from escalade.automation.models import TimeRule
    from escalade.automation.services import time_rule_save
    from escalade.core.actors import Actor

    actor = Actor.system("benchmark")
    time_rule_save(
        actor=actor, name="bench reminder", state="pending_requester", after=3, unit="days",
        is_business_time=True, actions=[{"type": "send_reply", "params": {"value": "", "text": "Relance"}}],
    )  # fmt: skip
    time_rule_save(
        actor=actor, name="bench P1", state="new", after=10, unit="minutes", priority=1,
        is_unassigned_only=True,
        actions=[{"type": "notify", "params": {"value": "supervisors", "text": "P1"}}],
    )  # fmt: skip
    return list(TimeRule.objects.filter(is_active=True))


def bench_automation(_tickets: int) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from escalade.automation.timed import candidates, time_rules_sweep
    from escalade.tickets.choices import OPEN_STATES
    from escalade.tickets.models import Ticket

    results: dict[str, Any] = {}
    try:
        with transaction.atomic():
            requester = _requester()
            _creation_samples(requester, 20)  # warm-up: caches, compiled rules, plans
            none = _creation_samples(requester, CREATIONS)
            engine_none = _engine_us(requester)
            _rules(RULES, matching=False)
            engine_idle = _engine_us(requester)
            _creation_samples(requester, 5)
            idle = _creation_samples(requester, CREATIONS)
            _rules(0, matching=True)
            _creation_samples(requester, 5)
            one = _creation_samples(requester, CREATIONS)
            results["automation_creation"] = {
                "no_rule": _summary(none),
                f"{RULES}_rules_none_matching": _summary(idle),
                f"{RULES}_rules_one_matching": _summary(one),
                "added_by_idle_rules_p50_ms": round(
                    (statistics.median(idle) - statistics.median(none)) * 1000, 2
                ),
                "engine_us_per_event_no_rule": engine_none,
                f"engine_us_per_event_{RULES}_idle_rules": engine_idle,
            }
            rules = _time_rules()
            open_tickets = Ticket.objects.filter(state__in=OPEN_STATES).count()
            now = timezone.now()
            started = time.perf_counter()
            due = sum(len(candidates(rule, now)) for rule in rules)
            selection = time.perf_counter() - started
            started = time.perf_counter()
            report = time_rules_sweep(now=now)
            full = time.perf_counter() - started
            started = time.perf_counter()
            time_rules_sweep(now=now)
            again = time.perf_counter() - started
            results["automation_sweep"] = {
                "open_tickets": open_tickets, "time_automations": len(rules), "due_selected": due,
                "selection_seconds": round(selection, 3), "first_run_seconds": round(full, 3),
                "first_run_fired": report.fired, "next_run_seconds": round(again, 3),
            }  # fmt: skip
            raise _RollBack
    except _RollBack:
        pass
    return results
