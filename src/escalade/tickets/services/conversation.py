"""The conversation on a ticket: public replies, internal notes, attachments."""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade import authz
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.core.files import file_check
from escalade.core.models import Event
from escalade.core.services import JSONValue
from escalade.tickets.choices import Channel, FollowUpKind, State
from escalade.tickets.models import Attachment, FollowUp, Ticket
from escalade.tickets.services._common import locked, record, ticket_snapshot


@transaction.atomic
def ticket_reply(*, actor: Actor, ticket: Ticket, body: str, channel: str = Channel.PORTAL) -> FollowUp:
    """Add a public reply. Staff's first reply stops the first-response clock; the requester's
    reply to a ticket waiting for them puts it back in progress."""
    ticket = locked(ticket)
    reply_check(actor=actor, ticket=ticket, body=body)
    followup = FollowUp.objects.create(
        ticket=ticket, author=actor.user, kind=FollowUpKind.REPLY, body=body.strip(), channel=channel
    )
    before = ticket_snapshot(ticket)
    data = reply_apply(actor=actor, ticket=ticket, followup=followup)
    ticket.save()
    record(actor=actor, ticket=ticket, action="ticket.replied", before=before, data=data)
    return followup


def reply_check(*, actor: Actor, ticket: Ticket, body: str) -> None:
    """What :func:`ticket_reply` refuses: someone who may not reply, an empty text, a closed ticket."""
    if not actor.vouched:  # a channel that vouches for its author applied its own rule (e-mail)
        authz.ensure_ticket_action(actor.user, "reply", ticket)
    if not body.strip():
        raise ValidationFailed(_("Write a message."), field="body")
    if ticket.state == State.CLOSED:
        raise ConflictError(_("This ticket is closed: reopen it or open a new one."), field="state")


def reply_apply(*, actor: Actor, ticket: Ticket, followup: FollowUp) -> dict[str, JSONValue]:
    """What a reply changes on its ticket (not saved); returns the details of its event."""
    data: dict[str, JSONValue] = {"followup": followup.pk}
    # Escalade itself (an automation rule) answers for the desk: its reply is a first response and
    # leaves a ticket waiting for the requester as it is.
    by_staff = actor.kind == Event.ActorKind.SYSTEM or (
        actor.user is not None and actor.user.is_provider_staff
    )
    if by_staff and ticket.first_responded_at is None:
        ticket.first_responded_at = followup.created_at
        data["first_response"] = True
    if not by_staff and ticket.state == State.PENDING_REQUESTER:
        ticket.state = State.IN_PROGRESS if ticket.assignee_id else State.NEW
        ticket.state_changed_at = followup.created_at
    return data


@transaction.atomic
def ticket_add_note(*, actor: Actor, ticket: Ticket, body: str) -> FollowUp:
    """Add an internal note: provider staff only, never shown to requesters."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "work", ticket)
    if not body.strip():
        raise ValidationFailed(_("Write a message."), field="body")
    followup = FollowUp.objects.create(
        ticket=ticket, author=actor.user, kind=FollowUpKind.NOTE, body=body.strip(), channel=Channel.PORTAL
    )
    record(actor=actor, ticket=ticket, action="ticket.note_added", data={"followup": followup.pk})
    return followup


@transaction.atomic
def attachment_add(
    *,
    actor: Actor,
    ticket: Ticket,
    filename: str,
    content: IO[bytes],
    followup: FollowUp | None = None,
    is_internal: bool = False,
) -> Attachment:
    """Store a file on a ticket: size limit, sniffed content type, executables refused."""
    attachment = attachment_build(
        actor=actor, ticket=ticket, filename=filename, content=content, followup=followup,
        is_internal=is_internal,
    )  # fmt: skip
    attachment.save()
    record(actor=actor, ticket=ticket, action="ticket.attachment_added", data=attachment_data(attachment))
    Ticket.objects.filter(pk=ticket.pk).update(updated_at=timezone.now())
    return attachment


def attachment_build(
    *,
    actor: Actor,
    ticket: Ticket,
    filename: str,
    content: IO[bytes],
    followup: FollowUp | None = None,
    is_internal: bool = False,
) -> Attachment:
    """The checks of :func:`attachment_add` (who, which follow-up, the file), then the attachment with
    its file stored, not saved."""
    action = "work" if is_internal else "reply"
    authz.ensure_ticket_action(actor.user, action, ticket)
    if followup is not None and followup.ticket_id != ticket.pk:
        raise PermissionDeniedError("this follow-up belongs to another ticket")
    checked = file_check(filename=filename, content=content, limit=settings.ESCALADE_ATTACHMENT_MAX_BYTES)
    attachment = Attachment(
        ticket=ticket, followup=followup, filename=checked.name, content_type=checked.content_type,
        size=checked.size, sha256=checked.sha256, is_internal=is_internal, uploaded_by=actor.user,
    )  # fmt: skip
    attachment.file.save(checked.sha256[:16], ContentFile(checked.data), save=False)
    return attachment


def attachment_data(attachment: Attachment) -> dict[str, JSONValue]:
    """The details of the ``ticket.attachment_added`` event."""
    return {
        "attachment": attachment.pk,
        "filename": attachment.filename,
        "size": attachment.size,
        "internal": attachment.is_internal,
    }
