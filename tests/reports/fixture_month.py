"""A fixture month for the reports: March 2026 at Client A (and one ticket of Client B), Paris office
hours 08:30-12:30 / 13:30-18:00, the default policy (P3: answer within 4 business hours, resolve
within 24). Every figure the tests expect is computed by hand in the comments.

T1  Mon 2 Mar 09:00, answered 09:30 (FR 0.5 h), waits for the requester 10:00-14:00 (paused),
    resolved Tue 3 Mar 10:00: runs 09:00-10:00, 14:00-18:00, Tue 08:30-10:00 = 6.5 h.
T2  Fri 6 Mar 17:00, resolved Mon 9 Mar 09:30 with no reply (the solution is the first answer):
    FR = resolution = Fri 17:00-18:00 + Mon 08:30-09:30 = 2 h.
T3  Fri 27 Feb 17:00 (February), answered Mon 2 Mar 09:30 (FR 2 h), resolved 10:30 (3 h run),
    reopened Tue 3 Mar 09:00, resolved again 11:00: 3 h + 2 h = 5 h; reopened once.
T4  Mon 2 Mar 09:00, answered 14:30: 09:00-12:30 + 13:30-14:30 = 4.5 h > 4 h: first response late;
    escalated to level 2; resolved Thu 5 Mar 17:00: 8 + 8.5 + 8.5 + 7.5 = 32.5 h > 24 h: late.
T5  Client B, Mon 2 Mar 09:00, resolved 11:00: FR = resolution = 2 h.
T6  Tue 3 Mar 00:30 Paris (Mon 2 Mar 23:30 UTC: a Tuesday ticket), answered 09:00: FR 0.5 h; open.
"""

from __future__ import annotations

from dataclasses import dataclass

from escalade.accounts.models import Team
from escalade.core.actors import Actor
from escalade.tickets.models import Category, Ticket
from escalade.tickets.services import (
    ticket_assign,
    ticket_create,
    ticket_escalate,
    ticket_reopen,
    ticket_reply,
    ticket_resolve,
    ticket_transition,
)
from tests.accounts.factories import TeamFactory
from tests.conftest import World
from tests.sla.factories import frozen_at, paris
from tests.tickets.factories import CategoryFactory

HOUR = 3600


@dataclass
class Month:
    tickets: dict[str, Ticket]
    printers: Category
    network: Category
    level_2: Team


def create(world: World, moment, *, requester=None, category=None) -> Ticket:
    requester = requester or world.requester_a
    with frozen_at(moment):
        return ticket_create(
            actor=Actor.of(requester), requester=requester, title="Imprimante", impact=2, urgency=2,
            category=category,
        )  # fmt: skip


def reply(world: World, ticket: Ticket, moment) -> Ticket:
    with frozen_at(moment):
        ticket_reply(actor=Actor.of(world.supervisor), ticket=ticket, body="Nous regardons.")
    ticket.refresh_from_db()
    return ticket


def resolve(world: World, ticket: Ticket, moment) -> Ticket:
    with frozen_at(moment):
        return ticket_resolve(
            actor=Actor.of(world.supervisor), ticket=ticket, resolution_code="solved", solution="Réglé"
        )


def transition(world: World, ticket: Ticket, moment, state: str) -> Ticket:
    with frozen_at(moment):
        return ticket_transition(actor=Actor.of(world.supervisor), ticket=ticket, state=state)


def build_month(world: World) -> Month:
    printers = CategoryFactory.create(name_fr="Imprimantes", name_en="Printers")
    network = CategoryFactory.create(name_fr="Réseau", name_en="Network")
    level_2 = TeamFactory.create(name="L2 A", support_level=2, organisations=[world.client_a])
    tickets: dict[str, Ticket] = {}

    t1 = create(world, paris(2, 9), category=printers)
    with frozen_at(paris(2, 9, 15)):
        t1 = ticket_assign(actor=Actor.of(world.supervisor), ticket=t1, assignee=world.agent_a)
    t1 = transition(world, t1, paris(2, 9, 20), "in_progress")
    t1 = reply(world, t1, paris(2, 9, 30))
    t1 = transition(world, t1, paris(2, 10), "pending_requester")
    t1 = transition(world, t1, paris(2, 14), "in_progress")
    tickets["T1"] = resolve(world, t1, paris(3, 10))

    tickets["T2"] = resolve(world, create(world, paris(6, 17), category=network), paris(9, 9, 30))

    t3 = create(world, paris(27, 17, month=2), category=printers)
    t3 = reply(world, t3, paris(2, 9, 30))
    t3 = resolve(world, t3, paris(2, 10, 30))
    with frozen_at(paris(3, 9)):
        t3 = ticket_reopen(actor=Actor.of(world.requester_a), ticket=t3, reason="Toujours en panne")
    tickets["T3"] = resolve(world, t3, paris(3, 11))

    t4 = create(world, paris(2, 9), category=network)
    t4 = reply(world, t4, paris(2, 14, 30))
    with frozen_at(paris(2, 15)):
        t4 = ticket_escalate(actor=Actor.of(world.supervisor), ticket=t4, reason="Routeur à remplacer")
    tickets["T4"] = resolve(world, t4, paris(5, 17))

    tickets["T5"] = resolve(world, create(world, paris(2, 9), requester=world.requester_b), paris(2, 11))

    t6 = create(world, paris(3, 0, 30))
    tickets["T6"] = reply(world, t6, paris(3, 9))
    return Month(tickets=tickets, printers=printers, network=network, level_2=level_2)
