"""Ticket conversation and relations: follow-ups, attachments (up and down), links, merge."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, UploadedFile

from escalade.api import errors, queries
from escalade.api.auth import actor_of, caller
from escalade.api.schemas.common import Id
from escalade.api.schemas.tickets import (
    AttachmentOut,
    FollowUpCreateIn,
    FollowUpOut,
    TicketLinkIn,
    TicketLinkOut,
    TicketMergeIn,
    TicketOut,
)
from escalade.core.errors import NotFoundError
from escalade.core.http import file_download
from escalade.tickets import services
from escalade.tickets.choices import Channel, FollowUpKind
from escalade.tickets.models import Attachment, FollowUp, Ticket

router = Router(tags=["tickets"])


@router.get("/tickets/{reference}/followups", response=list[FollowUpOut], summary="Read the conversation")
def ticket_followup_list(request: HttpRequest, reference: str) -> list[FollowUp]:
    user = caller(request)
    ticket = queries.visible_ticket(user, reference)
    return list(queries.followups_visible_to(user, ticket))


@router.post(
    "/tickets/{reference}/followups", response={201: FollowUpOut}, summary="Reply, or add an internal note"
)
def ticket_followup_create(request: HttpRequest, reference: str, payload: FollowUpCreateIn) -> FollowUp:
    ticket = queries.visible_ticket(caller(request), reference)
    if payload.kind == FollowUpKind.NOTE:
        return services.ticket_add_note(actor=actor_of(request), ticket=ticket, body=payload.body)
    return services.ticket_reply(
        actor=actor_of(request), ticket=ticket, body=payload.body, channel=Channel.API
    )


@router.post(
    "/tickets/{reference}/attachments", response={201: AttachmentOut}, summary="Attach a file (multipart)"
)
def ticket_attachment_create(
    request: HttpRequest,
    reference: str,
    file: File[UploadedFile],
    is_internal: Form[bool] = False,
    followup_id: Form[Id | None] = None,
) -> Attachment:
    user = caller(request)
    ticket = queries.visible_ticket(user, reference)
    followup = None
    if followup_id is not None:
        followup = queries.followup_for(user, ticket, followup_id, field="followup_id")
    return services.attachment_add(
        actor=actor_of(request),
        ticket=ticket,
        filename=file.name or "file",
        content=file,
        followup=followup,
        is_internal=is_internal,
    )


@router.get(
    "/tickets/{reference}/attachments/{attachment_id}",
    response={200: None},
    summary="Download a file",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as an attachment.",
                "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def ticket_attachment_download(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    user = caller(request)
    ticket = queries.visible_ticket(user, reference)
    attachment = queries.attachments_visible_to(user, ticket).filter(pk=attachment_id).first()
    if attachment is None:
        raise NotFoundError(_("No such file."))
    return file_download(attachment.file, filename=attachment.filename, content_type=attachment.content_type)


@router.post("/tickets/{reference}/links", response={201: TicketLinkOut}, summary="Link to another ticket")
def ticket_link_create(request: HttpRequest, reference: str, payload: TicketLinkIn) -> dict[str, object]:
    user = caller(request)
    source = queries.visible_ticket(user, reference)
    target = queries.referenced_ticket(user, payload.target_reference, field="target_reference")
    with errors.input_names({"target": "target_reference"}):
        link = services.ticket_link(actor=actor_of(request), source=source, target=target, kind=payload.kind)
    return {"kind": link.kind, "direction": "out", "ticket": target}


@router.post("/tickets/{reference}/merge", response=TicketOut, summary="Merge this duplicate into another")
def ticket_merge(request: HttpRequest, reference: str, payload: TicketMergeIn) -> Ticket:
    user = caller(request)
    source = queries.visible_ticket(user, reference)
    target = queries.referenced_ticket(user, payload.into_reference, field="into_reference")
    with errors.input_names({"target": "into_reference"}):
        target = services.ticket_merge(actor=actor_of(request), source=source, target=target)
    return queries.ticket_detail(user, target.reference)
