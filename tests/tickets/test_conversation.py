"""Replies, notes, attachments, links and merges."""

from __future__ import annotations

import io

import pytest

from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.tickets.choices import State
from escalade.tickets.models import Attachment, FollowUp, Ticket, TicketLink
from escalade.tickets.services import (
    attachment_add,
    ticket_add_note,
    ticket_link,
    ticket_merge,
    ticket_reply,
    ticket_take,
    ticket_transition,
)

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_the_first_staff_reply_is_the_first_response(world, make_ticket):
    ticket = make_ticket()
    ticket_reply(actor=Actor.of(world.requester_a), ticket=ticket, body="Précision : 2e étage")
    assert Ticket.objects.get(pk=ticket.pk).first_responded_at is None

    first = ticket_reply(actor=Actor.of(world.agent_a), ticket=ticket, body="Je regarde.")
    ticket_reply(actor=Actor.of(world.agent_a), ticket=ticket, body="C'est réglé ?")

    assert Ticket.objects.get(pk=ticket.pk).first_responded_at == first.created_at


def test_the_requester_answering_puts_a_waiting_ticket_back_in_progress(world, make_ticket):
    agent = Actor.of(world.agent_a)
    ticket = ticket_take(actor=agent, ticket=make_ticket())
    ticket = ticket_transition(actor=agent, ticket=ticket, state=State.PENDING_REQUESTER)

    ticket_reply(actor=Actor.of(world.requester_a), ticket=ticket, body="Voici la photo.")

    assert Ticket.objects.get(pk=ticket.pk).state == State.IN_PROGRESS


def test_internal_notes_are_for_staff_only(world, make_ticket):
    ticket = make_ticket()
    with pytest.raises(PermissionDeniedError):
        ticket_add_note(actor=Actor.of(world.requester_a), ticket=ticket, body="note")
    note = ticket_add_note(actor=Actor.of(world.agent_a), ticket=ticket, body="Client connu pour …")

    assert list(FollowUp.objects.filter(ticket=ticket).values_list("kind", flat=True)) == ["note"]
    assert note.is_public is False


def test_nobody_outside_the_ticket_can_reply(world, make_ticket):
    ticket = make_ticket()
    for who in ("requester_a2", "requester_b", "manager_b", "agent_b"):
        with pytest.raises(PermissionDeniedError):
            ticket_reply(actor=Actor.of(world.person(who)), ticket=ticket, body="hello")
    assert not FollowUp.objects.exists()


def test_attachments_are_sniffed_limited_and_executables_refused(world, make_ticket, settings):
    ticket, requester = make_ticket(), Actor.of(world.requester_a)

    image = attachment_add(
        actor=requester, ticket=ticket, filename="../../capture.txt", content=io.BytesIO(PNG)
    )
    assert (image.content_type, image.size, image.filename) == ("image/png", len(PNG), ".._.._capture.txt")
    assert image.file.read() == PNG

    with pytest.raises(ValidationFailed):
        attachment_add(
            actor=requester, ticket=ticket, filename="setup.pdf", content=io.BytesIO(b"MZ" + b"\0" * 300)
        )
    settings.ESCALADE_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationFailed) as error:
        attachment_add(actor=requester, ticket=ticket, filename="big.txt", content=io.BytesIO(b"x" * 11))
    assert error.value.field == "file"
    with pytest.raises(PermissionDeniedError):
        attachment_add(
            actor=requester, ticket=ticket, filename="n.txt", content=io.BytesIO(b"x"), is_internal=True
        )
    assert Attachment.objects.count() == 1


def test_links_are_typed_and_never_to_self(world, make_ticket):
    agent = Actor.of(world.agent_a)
    first, second = make_ticket(), make_ticket()

    ticket_link(actor=agent, source=first, target=second, kind="related_to")
    ticket_link(actor=agent, source=first, target=second, kind="related_to")
    with pytest.raises(ValidationFailed):
        ticket_link(actor=agent, source=first, target=first, kind="related_to")

    assert TicketLink.objects.count() == 1


def test_merging_moves_the_conversation_and_closes_the_duplicate(world, make_ticket):
    agent = Actor.of(world.agent_a)
    kept = make_ticket()
    duplicate = make_ticket(requester=world.requester_a2, title="Imprimante HS")
    ticket_reply(actor=Actor.of(world.requester_a2), ticket=duplicate, body="Moi aussi")

    ticket_merge(actor=agent, source=duplicate, target=kept)

    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.resolution_code, duplicate.merged_into) == (
        State.CLOSED,
        "duplicate",
        kept,
    )
    assert list(kept.followups.values_list("body", flat=True)) == ["Moi aussi"]
    assert world.requester_a2 in kept.watchers.all()
    assert TicketLink.objects.filter(source=duplicate, target=kept, kind="duplicate_of").exists()
    with pytest.raises(ConflictError):
        ticket_merge(actor=agent, source=duplicate, target=kept)


def test_tickets_of_different_organisations_cannot_be_merged(world, make_ticket):
    a, b = make_ticket(), make_ticket(requester=world.requester_b)
    with pytest.raises(ValidationFailed):
        ticket_merge(actor=Actor.of(world.supervisor), source=b, target=a)
    assert Ticket.objects.get(pk=b.pk).state == State.NEW
