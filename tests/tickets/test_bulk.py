"""Logging tickets in bulk: the same rows as one-by-one creation, a query count independent of the batch
size, all or nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from escalade.accounts.models import Role, SupportLevel, User
from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.models import Event
from escalade.mail.models import OutboundMail
from escalade.notifications.models import Notification
from escalade.search.models import SearchDocument
from escalade.sla.models import BusinessCalendar, WorkingInterval
from escalade.tickets.models import Ticket, TicketSequence
from escalade.tickets.services import TicketRequest, ticket_create, ticket_create_many
from tests.accounts.factories import StaffFactory, TeamFactory, TeamMembershipFactory, UserFactory
from tests.orgs.factories import OrganisationFactory
from tests.tickets.conftest import PARIS, TUESDAY_10H
from tests.tickets.factories import CategoryFactory, ContractFactory

pytestmark = pytest.mark.django_db

SKIPPED = {"id", "created_at", "updated_at"}


def _scenario(world: Any) -> list[TicketRequest]:
    """Several organisations: in contract, out by category, validity and hours, none; auto-assigning
    teams with unequal loads, a category's default team, a priority set by hand, tags, watchers."""
    covered, other = CategoryFactory.create(), CategoryFactory.create()
    ContractFactory.create(organisation=world.client_a, categories=[covered])
    l1_a = world.agent_a.teams.get()
    l1_a.is_auto_assign = True
    l1_a.save()
    # Names fixed: a tie in load goes to the first by name (agent A's name is random otherwise).
    User.objects.filter(pk=world.agent_a.pk).update(full_name="Alice Agent")
    idle = StaffFactory.create(full_name="Zoé Idle", email="idle@provider.example")
    TeamMembershipFactory.create(team=l1_a, user=idle)
    for _ in range(2):  # agent A starts with two open tickets, idle with none
        ticket = ticket_create(actor=Actor.system("tests"), requester=world.requester_a, title="Déjà là")
        Ticket.objects.filter(pk=ticket.pk).update(assignee=world.agent_a, state="assigned")
    specialists = TeamFactory.create(
        name="L2 B", support_level=SupportLevel.L2, organisations=[world.client_b], is_auto_assign=True
    )
    TeamMembershipFactory.create(team=specialists, user=StaffFactory.create(email="l2b@provider.example"))
    special = CategoryFactory.create(default_team=specialists)
    expired_org, weekend_org = OrganisationFactory.create(), OrganisationFactory.create()
    ContractFactory.create(organisation=expired_org, ends_on=dt.date(2026, 6, 30))
    weekend = BusinessCalendar.objects.create(name="Week-end", time_zone="Europe/Paris")
    WorkingInterval.objects.create(calendar=weekend, weekday=5, start=dt.time(9), end=dt.time(12))
    ContractFactory.create(organisation=weekend_org, support_calendar=weekend)
    expired_user = UserFactory.create(email="c@c.example", organisation=expired_org)
    weekend_user = UserFactory.create(email="d@d.example", organisation=weekend_org, language="en")
    a, b = world.requester_a, world.requester_b
    return [
        TicketRequest(requester=a, title=" Imprimante ", category=covered, tags=["Imprimante", "urgent"],
                      watchers=[world.requester_a2, world.manager_a]),
        TicketRequest(requester=a, title="Hors périmètre", category=other, impact=1, urgency=1),
        TicketRequest(requester=a, title="À la main", category=covered, impact=3, urgency=3, priority=1,
                      priority_reason="Direction", tags=["VIP"]),
        TicketRequest(requester=b, title="Sans contrat", tags=["urgent", "réseau"], channel="phone"),
        TicketRequest(requester=b, title="Spécialistes", category=special, description="Détails"),
        TicketRequest(requester=expired_user, title="Contrat expiré"),
        TicketRequest(requester=weekend_user, title="Hors horaires", watchers=[weekend_user]),
        TicketRequest(requester=a, title="Sans catégorie", impact=2, urgency=2),
        TicketRequest(requester=a, title="Encore", category=covered),
    ]  # fmt: skip


def _rows() -> dict[str, Any]:
    """What creation wrote, with the new rows' ids replaced by the tickets' references."""
    reference = dict(Ticket.objects.values_list("pk", "reference"))
    mails = OutboundMail.objects.order_by("pk")
    return {
        "tickets": [
            {name: value for name, value in row.items() if name not in SKIPPED}
            for row in Ticket.objects.order_by("reference").values()
        ],
        "tags": sorted(Ticket.tags.through.objects.values_list("ticket__reference", "tag__name")),
        "watchers": sorted(Ticket.watchers.through.objects.values_list("ticket__reference", "user_id")),
        "events": [
            (reference.get(event.object_id), event.action, event.changes, event.data, event.actor_label)
            for event in Event.objects.filter(action__startswith="ticket.").order_by("pk")
        ],
        "notifications": sorted(  # the order of the inserts is not news
            Notification.objects.values_list("recipient_id", "kind", "ticket__reference", "text")
        ),
        "mails": list(
            mails.values_list(
                "ticket__reference", "recipient_id", "kind", "to", "language", "state", "subject"
            )
        ),
        "search": sorted(
            (
                reference.get(row["object_id"]),
                sorted((k, v) for k, v in row.items() if k not in {"id", "object_id"}),
            )
            for row in SearchDocument.objects.filter(kind="ticket").values()
        ),
        "counter": list(TicketSequence.objects.values_list("year", "last_number")),
    }


def _created(create: Any, capture: Any, at: Any) -> dict[str, Any]:
    """Run ``create`` at the frozen moment with the after-commit tasks run, read the rows, roll back."""
    with transaction.atomic():
        with at(TUESDAY_10H), capture(execute=True):
            create()
        rows = _rows()
        transaction.set_rollback(True)
    return rows


def test_a_batch_writes_what_one_by_one_creation_writes(world, at, django_capture_on_commit_callbacks):
    requests = _scenario(world)
    actor = Actor.of(world.agent_a)

    def one_by_one() -> None:
        for request in requests:
            ticket_create(actor=actor, **vars(request))

    expected = _created(one_by_one, django_capture_on_commit_callbacks, at)
    rows = _created(
        lambda: ticket_create_many(actor=actor, requests=requests), django_capture_on_commit_callbacks, at
    )

    assert rows == expected
    tickets = {ticket["title"]: ticket for ticket in rows["tickets"]}
    assert {title: tickets[title]["out_of_contract_reason"] for title in tickets} == {
        "Déjà là": "category", "Imprimante": "", "Hors périmètre": "category", "À la main": "",
        "Sans contrat": "", "Spécialistes": "", "Contrat expiré": "validity", "Hors horaires": "hours",
        "Sans catégorie": "category", "Encore": "",
    }  # fmt: skip
    assignees = [tickets[title]["assignee_id"] for title in ("Imprimante", "Hors périmètre", "À la main")]
    idle = world.agent_a.teams.get().members.get(full_name="Zoé Idle").pk
    assert assignees == [idle, idle, world.agent_a.pk]  # loads 2/0, then 2/1, 2/2: ties by name
    assert tickets["Spécialistes"]["team_id"] != tickets["Sans contrat"]["team_id"]
    assert tickets["À la main"]["priority"] == 1
    assert tickets["À la main"]["is_priority_overridden"] is True
    assert all(ticket["resolution_due"] is not None for ticket in rows["tickets"])
    assert len(rows["search"]) == len(requests)  # the two older tickets were never indexed
    assert rows["counter"] == [(2026, 11)]


def _batch(world: Any, size: int) -> list[TicketRequest]:
    category = CategoryFactory.create()
    return [
        TicketRequest(
            requester=world.requester_a,
            title=f"Alerte {n}",
            category=category,
            tags=["supervision", f"n{n}"],
            watchers=[world.requester_a2],
        )
        for n in range(size)
    ]


# Reads: requesters' organisations and sites, categories' organisations and fields, the matrix, the
# teams, the agents' loads, the default policy; writes: the counter, tickets, tags (read, insert, read
# back), tags and watchers of the tickets, events, due dates (the contracts with their categories, the
# SLA policies and targets are kept per process, core.refdata), supervisors,
# notifications, the outbound mails, the outbox (one insert for the batch's after-commit work:
# indexing, sending), the reports' facts and rollups (2: the creation and the assignment come as one
# batch, so the facts' reads are shared), the recipients' notification preferences (ADR 0024).
BATCH_QUERIES = 22  # and the savepoint, its release


@pytest.mark.parametrize("size", [5, 50])
def test_a_batch_runs_a_constant_number_of_queries(world, at, size):
    ContractFactory.create(organisation=world.client_a)
    team = world.agent_a.teams.get()
    team.is_auto_assign = True
    team.save()
    requests = _batch(world, size)
    actor = Actor.of(world.requester_a)
    with at(TUESDAY_10H):
        ticket_create_many(actor=actor, requests=_batch(world, 1))  # warm the caches (calendars, types)
        with CaptureQueriesContext(connection) as queries:
            tickets = ticket_create_many(actor=actor, requests=requests)

    assert len(tickets) == size
    mail_inserts = [q for q in queries.captured_queries if "mail_outboundmail" in q["sql"]]
    assert len(mail_inserts) == 1
    assert OutboundMail.objects.filter(ticket__in=tickets).count() == 2 * size  # acknowledged, assigned
    assert len(queries.captured_queries) == BATCH_QUERIES


def test_one_invalid_item_fails_the_whole_batch_and_names_it(world, at):
    requests = [
        TicketRequest(requester=world.requester_a, title="Bon"),
        TicketRequest(requester=world.requester_a, title="Bon aussi"),
        TicketRequest(requester=world.requester_a, title="   "),
    ]
    with at(TUESDAY_10H), pytest.raises(ValidationFailed) as raised:
        ticket_create_many(actor=Actor.of(world.requester_a), requests=requests)

    assert raised.value.field == "items.2.title"
    assert not Ticket.objects.exists()
    assert not Event.objects.filter(action="ticket.created").exists()
    assert not TicketSequence.objects.exists()


def test_a_category_of_another_organisation_is_refused_by_item(world, at):
    restricted = CategoryFactory.create()
    restricted.organisations.set([world.client_b])
    requests = [
        TicketRequest(requester=world.requester_b, title="Pour B", category=restricted),
        TicketRequest(requester=world.requester_a, title="Pour A", category=restricted),
    ]
    with at(TUESDAY_10H), pytest.raises(ValidationFailed) as raised:
        ticket_create_many(actor=Actor.system("tests"), requests=requests)

    assert raised.value.field == "items.1.category"
    assert not Ticket.objects.exists()


def test_an_empty_batch_writes_nothing(world):
    assert ticket_create_many(actor=Actor.system("tests"), requests=[]) == []


def test_references_follow_the_year_counter(world, at):
    with at(dt.datetime(2026, 12, 31, 17, 0, tzinfo=PARIS)):
        ticket_create(actor=Actor.system("tests"), requester=world.requester_a, title="Avant")
        tickets = ticket_create_many(actor=Actor.system("tests"), requests=_batch(world, 3))

    assert [ticket.reference for ticket in tickets] == [f"ESC-2026-00000{n}" for n in (2, 3, 4)]
    assert world.supervisor.role == Role.SUPERVISOR
