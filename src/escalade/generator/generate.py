"""``escalade generate``: realistic tickets with their conversation and events, written in bulk.

Tickets are spread over the last two years in time order (references grow with time), mostly closed,
with a share still open (``open_share``) so that queues and the SLA sweep have work. Each ticket gets
the events its story implies (created, assigned, replied, escalated, resolved, closed) and its SLA due
dates computed in business time with the default policy's calendar. Each batch is indexed for search in
the same transaction (the bulk path of ``search.services``).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from escalade.core.models import Event
from escalade.generator import corpus
from escalade.generator.base import Base, Client, build_base
from escalade.generator.writer import BulkWriter
from escalade.search.services import search_index_tickets
from escalade.sla.businesstime import WorkingCalendar, add_business_time
from escalade.tickets.choices import ITIL_MATRIX, State
from escalade.tickets.models import FollowUp, Ticket, TicketSequence

BATCH = 5_000
SPAN = dt.timedelta(days=730)
OPEN_STATES = [
    State.NEW,
    State.ASSIGNED,
    State.IN_PROGRESS,
    State.PENDING_REQUESTER,
    State.PENDING_THIRD_PARTY,
]


@dataclass
class Report:
    tickets: int = 0
    followups: int = 0
    events: int = 0
    organisations: int = 0
    documents: int = 0  # search documents: generated tickets are searchable at once


class _Writers:
    def __init__(self) -> None:
        self.tickets = BulkWriter(Ticket)
        self.followups = BulkWriter(FollowUp)
        self.events = BulkWriter(Event)

    def sync(self) -> None:
        for writer in (self.tickets, self.followups, self.events):
            writer.sync_sequence()


class _Story:
    """One ticket's generated life; collects its rows."""

    def __init__(self, gen: Generator, client: Client, created: dt.datetime, is_open: bool) -> None:
        self.gen, self.client, self.created, self.rng = gen, client, created, gen.rng
        self.ticket_id = gen.writers.tickets.next_id()
        self.events: list[dict[str, Any]] = []
        self.followups: list[dict[str, Any]] = []
        self.is_open = is_open

    def event(
        self, at: dt.datetime, action: str, changes: dict[str, Any], actor_id: int | None = None
    ) -> None:
        self.events.append(
            {
                "id": self.gen.writers.events.next_id(),
                "occurred_at": at,
                "actor_kind": "user" if actor_id else "channel",
                "actor_id": actor_id,
                "actor_label": self.gen.base.agent_names.get(actor_id or 0, "portal"),
                "content_type_id": self.gen.ticket_type,
                "object_id": self.ticket_id,
                "object_repr": self.reference,
                "organisation_id": self.client.organisation_id,
                "action": action,
                "changes": changes,
                "data": {},
            }
        )

    def followup(self, at: dt.datetime, author: int, body: str) -> None:
        self.followups.append(
            {
                "id": self.gen.writers.followups.next_id(),
                "ticket_id": self.ticket_id,
                "author_id": author,
                "kind": "reply",
                "body": body,
                "channel": "portal",
                "created_at": at,
            }
        )

    def build(self) -> dict[str, Any]:
        rng, client, created = self.rng, self.client, self.created
        language = client.language if rng.random() < 0.85 else ("en" if client.language == "fr" else "fr")
        self.reference = self.gen.reference(created)
        subject = corpus.title(rng, language)
        impact, urgency = rng.choices([1, 2, 3], weights=[1, 3, 6])[0], rng.choices([1, 2, 3], [2, 5, 3])[0]
        priority = ITIL_MATRIX[(impact, urgency)]
        fr_minutes, res_minutes = self.gen.targets[priority]
        level = rng.choices([1, 2, 3], weights=[80, 15, 5])[0]
        agent = rng.choice(client.agent_ids[level])
        first_due = self.gen.due(created, fr_minutes)
        resolution_due = self.gen.due(created, res_minutes)
        state = rng.choice(OPEN_STATES) if self.is_open else State.CLOSED
        self.event(created, "ticket.created", {"state": {"from": None, "to": "new"}})
        responded = created + dt.timedelta(minutes=rng.randint(3, 240))
        if self.is_open and state == State.NEW:
            agent, responded = None, None  # type: ignore[assignment]
        else:
            self.event(responded, "ticket.assigned", {"state": {"from": "new", "to": "assigned"}}, agent)
            self.followup(responded, agent, corpus.reply(rng, language))
            self.event(responded, "ticket.replied", {}, agent)
        resolved = closed = None
        if not self.is_open:
            resolved = responded + dt.timedelta(minutes=rng.randint(10, 4_000))
            closed = resolved + dt.timedelta(days=rng.randint(1, 14))
            self.event(
                resolved, "ticket.resolved", {"state": {"from": "in_progress", "to": "resolved"}}, agent
            )
            self.event(closed, "ticket.closed", {"state": {"from": "resolved", "to": "closed"}})
        elif state not in {State.NEW, State.ASSIGNED}:
            self.event(
                responded, "ticket.state_changed", {"state": {"from": "assigned", "to": str(state)}}, agent
            )
        return {
            "id": self.ticket_id,
            "reference": self.reference,
            "kind": rng.choice(["incident", "incident", "request"]),
            "title": subject,
            "description": corpus.description(rng, language, subject),
            "requester_id": rng.choice(client.requester_ids),
            "organisation_id": client.organisation_id,
            "contract_id": client.contract_id,
            "category_id": rng.choice(self.gen.base.category_ids),
            "channel": rng.choices(["phone", "email", "portal", "chat"], weights=[4, 4, 3, 1])[0],
            "impact": impact,
            "urgency": urgency,
            "priority": priority,
            "state": str(state),
            "team_id": client.team_ids[level],
            "assignee_id": agent,
            "support_level": level,
            "sla_policy_id": self.gen.base.policy.pk,
            "first_response_due": first_due,
            "resolution_due": resolution_due
            if state not in {State.PENDING_REQUESTER, State.PENDING_THIRD_PARTY}
            else None,
            "first_responded_at": responded,
            "resolved_at": resolved,
            "closed_at": closed,
            # Steady state: what the sweep would long since have flagged is flagged (late answers and
            # open tickets already past their due date), so a benchmark does not start with a backlog.
            "first_response_breached_at": first_due if (responded or self.gen.now) > first_due else None,
            "first_response_warned_at": first_due if (responded or self.gen.now) > first_due else None,
            "resolution_breached_at": resolution_due if (resolved or self.gen.now) > resolution_due else None,
            "resolution_warned_at": resolution_due if (resolved or self.gen.now) > resolution_due else None,
            "resolution_code": "solved" if resolved else "",
            "solution": corpus.reply(rng, language) if resolved else "",
            "custom_fields": {},
            "created_at": created,
            "updated_at": closed or responded or created,
            "state_changed_at": closed or resolved or responded or created,
        }


class Generator:
    def __init__(self, *, tickets: int, seed: int, open_share: float, batch: int = BATCH) -> None:
        self.total, self.open_share, self.batch = tickets, open_share, batch
        self.rng = random.Random(seed)  # noqa: S311 - synthetic data, not security
        self.now = timezone.now().replace(microsecond=0)
        self.base: Base = build_base(tickets=tickets, rng=self.rng, today=timezone.localdate(self.now))
        self.writers = _Writers()
        self.ticket_type = ContentType.objects.get_for_model(Ticket).pk
        self.targets = {
            t.priority: (t.first_response_minutes, t.resolution_minutes)
            for t in self.base.policy.targets.all()
        }
        years = range(self.now.year - 3, self.now.year + 2)
        self.calendar: WorkingCalendar = self.base.policy.calendar.working_calendar(years=years)
        self.sequences: dict[int, int] = dict(TicketSequence.objects.values_list("year", "last_number"))

    def reference(self, created: dt.datetime) -> str:
        year = timezone.localtime(created).year
        self.sequences[year] = self.sequences.get(year, 0) + 1
        return f"ESC-{year}-{self.sequences[year]:06d}"

    def due(self, start: dt.datetime, minutes: int) -> dt.datetime:
        return add_business_time(calendar=self.calendar, start=start, duration=dt.timedelta(minutes=minutes))

    def created_at(self, index: int) -> dt.datetime:
        """Spread in time order over ``SPAN``, on working hours mostly (a desk's rhythm)."""
        moment = self.now - SPAN + SPAN * (index / max(1, self.total))
        local = timezone.localtime(moment)
        if local.weekday() >= 5 and self.rng.random() < 0.9:
            local -= dt.timedelta(days=local.weekday() - 4)
        hour = min(17, max(8, int(self.rng.gauss(11.5, 2.5))))
        return local.replace(hour=hour, minute=self.rng.randint(0, 59), second=self.rng.randint(0, 59))

    def is_open(self, index: int) -> bool:
        recent = index >= self.total * (1 - self.open_share * 2)
        return recent and self.rng.random() < 0.5

    def run(self, progress: Callable[[int], None]) -> Report:
        report = Report(organisations=len(self.base.clients))
        for start in range(0, self.total, self.batch):
            tickets, followups, events = [], [], []
            for index in range(start, min(self.total, start + self.batch)):
                story = _Story(
                    self, self.rng.choice(self.base.clients), self.created_at(index), self.is_open(index)
                )
                tickets.append(story.build())
                followups += story.followups
                events += story.events
            with transaction.atomic():
                report.tickets += self.writers.tickets.write(tickets)
                report.followups += self.writers.followups.write(followups)
                report.events += self.writers.events.write(events)
                report.documents += search_index_tickets(ticket_ids=[ticket["id"] for ticket in tickets])
            progress(len(tickets))
        with transaction.atomic():
            self.writers.sync()
            for year, number in self.sequences.items():
                TicketSequence.objects.update_or_create(year=year, defaults={"last_number": number})
        return report


def generate(
    *,
    tickets: int,
    seed: int = 42,
    open_share: float = 0.05,
    batch: int = BATCH,
    progress: Callable[[int], None] = lambda _n: None,
) -> Report:
    """Generate ``tickets`` tickets (with clients, people, teams, contracts) and return what was written."""
    return Generator(tickets=tickets, seed=seed, open_share=open_share, batch=batch).run(progress)
