"""Replying in bulk (the e-mail poller's groups): the same rows as one-by-one replies, a query count
independent of the batch size, all or nothing; tickets logged in bulk for several actors; files
stored in bulk, each refused one in its place."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from escalade.core.actors import Actor
from escalade.core.errors import ConflictError
from escalade.core.models import Event
from escalade.mail.models import OutboundMail
from escalade.tickets.choices import State
from escalade.tickets.models import Attachment, FollowUp, Ticket
from escalade.tickets.services import (
    AttachmentRequest,
    ReplyRequest,
    TicketRequest,
    attachment_add_many,
    ticket_close,
    ticket_create_many,
    ticket_reply,
    ticket_reply_many,
    ticket_resolve,
    ticket_take,
    ticket_transition,
)
from tests.accounts.factories import StaffFactory, TeamMembershipFactory
from tests.tickets.conftest import TUESDAY_10H

pytestmark = pytest.mark.django_db


def _tickets(world: Any, make_ticket: Any) -> dict[str, Ticket]:
    """One waiting for its requester (taken by agent A), one new and unassigned, one not answered yet."""
    waiting = make_ticket(title="En attente")
    ticket_take(actor=Actor.of(world.agent_a), ticket=waiting)
    ticket_transition(actor=Actor.of(world.agent_a), ticket=waiting, state=State.PENDING_REQUESTER)
    return {
        "waiting": waiting,
        "new": make_ticket(title="Nouveau", requester=world.requester_a2),
        "b": make_ticket(title="Chez B", requester=world.requester_b),
    }


def _replies(world: Any, tickets: dict[str, Ticket]) -> list[ReplyRequest]:
    requester, agent = Actor.of(world.requester_a), Actor.of(world.agent_a)
    return [
        ReplyRequest(actor=requester, ticket=tickets["waiting"], body=" Voici le numéro ", channel="email"),
        ReplyRequest(actor=agent, ticket=tickets["new"], body="Nous regardons."),  # the first response
        ReplyRequest(actor=requester, ticket=tickets["waiting"], body="Et une photo."),
        ReplyRequest(actor=Actor.of(world.requester_a2), ticket=tickets["new"], body="Merci"),
        ReplyRequest(actor=Actor.of(world.agent_b), ticket=tickets["b"], body="Bonjour"),
        ReplyRequest(actor=Actor.of(world.requester_b), ticket=tickets["b"], body="Bonjour à vous"),
    ]


def _rows(since: int) -> dict[str, Any]:
    """What the replies wrote (events after ``since``), follow-up ids replaced by their place."""
    followups = {pk: n for n, pk in enumerate(FollowUp.objects.order_by("pk").values_list("pk", flat=True))}
    tickets = Ticket.objects.order_by("reference")
    return {
        "tickets": [{k: v for k, v in row.items() if k != "id"} for row in tickets.values()],
        "followups": list(
            FollowUp.objects.order_by("pk").values_list(
                "ticket__reference", "author", "kind", "body", "channel"
            )
        ),
        "events": sorted(
            (
                event.object_id,
                event.pk,
                event.action,
                event.changes,
                event.actor_label,
                {**event.data, "followup": followups[event.data["followup"]]},
            )
            for event in Event.objects.filter(pk__gt=since, action="ticket.replied")
        ),
        "mails": list(
            OutboundMail.objects.filter(kind__in=["requester_reply", "agent_reply"])
            .order_by("pk")
            .values_list("ticket__reference", "recipient", "kind", "to")
        ),
    }


def _replied(world: Any, make_ticket: Any, at: Any, reply: Any, capture: Any) -> dict[str, Any]:
    with transaction.atomic():
        tickets = _tickets(world, make_ticket)
        since = Event.objects.order_by("-pk").values_list("pk", flat=True)[0]
        with at(TUESDAY_10H), capture(execute=True):
            reply(_replies(world, tickets))
        rows = _rows(since)
        rows["events"] = [(Ticket.objects.get(pk=pk).title, *rest) for pk, _n, *rest in rows["events"]]
        transaction.set_rollback(True)
    return rows


def test_replies_in_bulk_write_what_one_by_one_replies_write(
    world, make_ticket, at, django_capture_on_commit_callbacks
):
    TeamMembershipFactory.create(team=world.agent_a.teams.get(), user=StaffFactory.create())

    def one_by_one(replies: list[ReplyRequest]) -> None:
        for item in replies:
            ticket_reply(actor=item.actor, ticket=item.ticket, body=item.body, channel=item.channel)

    expected = _replied(world, make_ticket, at, one_by_one, django_capture_on_commit_callbacks)
    rows = _replied(
        world,
        make_ticket,
        at,
        lambda replies: ticket_reply_many(replies=replies),
        django_capture_on_commit_callbacks,
    )

    assert rows == expected
    tickets = {ticket["title"]: ticket for ticket in rows["tickets"]}
    assert tickets["En attente"]["state"] == State.IN_PROGRESS
    assert tickets["Nouveau"]["first_responded_at"] is not None
    assert [event[0] for event in rows["events"]] == ["En attente"] * 2 + ["Nouveau"] * 2 + ["Chez B"] * 2
    # To agent A twice (assigned), to the two agents of L1 A (not assigned), to agent B, to two requesters.
    assert len(rows["mails"]) == 2 + 2 + 1 + 2


@pytest.mark.parametrize("size", [3, 30])
def test_a_batch_of_replies_runs_a_constant_number_of_queries(world, make_ticket, at, size):
    tickets = [make_ticket(title=f"Ticket {n}") for n in range(3)]
    replies = [
        ReplyRequest(actor=Actor.of(world.requester_a), ticket=tickets[n % 3], body=f"Réponse {n}")
        for n in range(size)
    ]
    with at(TUESDAY_10H):
        ticket_reply_many(replies=replies[:1])  # warm the caches (calendars, types)
        with CaptureQueriesContext(connection) as queries:
            followups = ticket_reply_many(replies=replies)

    assert len(followups) == size
    # The savepoint and its release, the row locks, follow-ups, tickets, events, the team's agents, the
    # mails, the histories (the due dates did not move), the outbox; the reports: the histories and
    # facts (2; facts that did not change write nothing). Policies and targets are kept per process
    # (core.refdata). The recipients' notification preferences and the bell's rows (ADR 0024): 2 more.
    assert len(queries.captured_queries) == 2 + 12


def test_one_refused_reply_fails_the_whole_batch_and_names_it(world, make_ticket, at):
    ticket, closed = make_ticket(title="Ouvert"), make_ticket(title="Fermé")
    agent = Actor.of(world.agent_a)
    ticket_take(actor=agent, ticket=closed)
    ticket_resolve(actor=agent, ticket=closed, resolution_code="solved", solution="Fait")
    ticket_close(actor=agent, ticket=closed)
    replies = [
        ReplyRequest(actor=Actor.of(world.requester_a), ticket=ticket, body="Bonjour"),
        ReplyRequest(actor=Actor.of(world.requester_a), ticket=closed, body="Encore"),
    ]
    with at(TUESDAY_10H), pytest.raises(ConflictError) as raised:
        ticket_reply_many(replies=replies)

    assert raised.value.field == "items.1.state"
    assert not FollowUp.objects.filter(kind="reply").exists()


def test_a_batch_logged_for_several_actors_records_each_one(world, at):
    requests = [
        TicketRequest(requester=world.requester_a, title="Par A", channel="email"),
        TicketRequest(requester=world.requester_b, title="Par B", channel="email"),
    ]
    actors = [Actor.channel("email", user=request.requester) for request in requests]
    with at(TUESDAY_10H):
        tickets = ticket_create_many(actor=Actor.channel("email"), requests=requests, actors=actors)

    events = Event.objects.filter(action="ticket.created", object_id__in=[t.pk for t in tickets]).order_by(
        "pk"
    )
    assert [(event.actor_label, event.actor_id) for event in events] == [
        ("email:req.a@a.example", world.requester_a.pk),
        ("email:req.b@b.example", world.requester_b.pk),
    ]
    with pytest.raises(ValueError, match="one actor per request"):
        ticket_create_many(actor=Actor.channel("email"), requests=requests, actors=actors[:1])


def test_files_in_bulk_are_stored_or_refused_in_their_place(world, make_ticket, settings):
    settings.ESCALADE_ATTACHMENT_MAX_BYTES = 100
    first, second = make_ticket(title="Un"), make_ticket(title="Deux")
    actor = Actor.of(world.requester_a)
    files = [
        AttachmentRequest(actor=actor, ticket=first, filename="a.txt", content=io.BytesIO(b"bonjour")),
        AttachmentRequest(actor=actor, ticket=first, filename="gros.bin", content=io.BytesIO(b"x" * 200)),
        AttachmentRequest(actor=Actor.of(world.requester_b), ticket=second, filename="b.txt",
                          content=io.BytesIO(b"hello")),  # not B's ticket
        AttachmentRequest(actor=actor, ticket=second, filename="c.txt", content=io.BytesIO(b"salut")),
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as queries:
        results = attachment_add_many(attachments=files)

    assert [type(result).__name__ for result in results] == [
        "Attachment", "ValidationFailed", "PermissionDeniedError", "Attachment",
    ]  # fmt: skip
    assert sorted(Attachment.objects.values_list("ticket__title", "filename")) == [
        ("Deux", "c.txt"),
        ("Un", "a.txt"),
    ]
    events = Event.objects.filter(action="ticket.attachment_added").order_by("pk")
    assert [(event.object_id, event.data["filename"]) for event in events] == [
        (first.pk, "a.txt"),
        (second.pk, "c.txt"),
    ]
    assert (
        len(queries.captured_queries) == 2 + 4
    )  # savepoint; attachments, events, tickets' updated_at, outbox
