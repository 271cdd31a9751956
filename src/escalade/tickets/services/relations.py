"""Links between tickets, and merging a duplicate into the ticket that is kept."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade import authz
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, ValidationFailed
from escalade.core.services import JSONValue
from escalade.tickets.choices import OPEN_STATES, LinkKind, ResolutionCode, State
from escalade.tickets.models import Attachment, FollowUp, Ticket, TicketLink
from escalade.tickets.services._common import locked, record, ticket_snapshot


@transaction.atomic
def ticket_link(*, actor: Actor, source: Ticket, target: Ticket, kind: str) -> TicketLink:
    """Link two tickets the actor can both work on; linking twice changes nothing."""
    authz.ensure_ticket_action(actor.user, "work", source)
    authz.ensure_ticket_action(actor.user, "work", target)
    if kind not in LinkKind.values:
        raise ValidationFailed(_("Unknown link type."), field="kind")
    if source.pk == target.pk:
        raise ValidationFailed(_("A ticket cannot be linked to itself."), field="target")
    link, created = TicketLink.objects.get_or_create(source=source, target=target, kind=kind)
    if created:
        data: dict[str, JSONValue] = {"kind": kind, "target": target.pk, "reference": target.reference}
        record(actor=actor, ticket=source, action="ticket.linked", data=data)
    return link


@transaction.atomic
def ticket_merge(*, actor: Actor, source: Ticket, target: Ticket) -> Ticket:
    """Merge the duplicate ``source`` into ``target``: its conversation, files, requester and watchers
    move over, and ``source`` is closed as a duplicate pointing at ``target``."""
    source, target = locked(source), locked(target)
    authz.ensure_ticket_action(actor.user, "work", source)
    authz.ensure_ticket_action(actor.user, "work", target)
    if source.pk == target.pk:
        raise ValidationFailed(_("A ticket cannot be merged into itself."), field="target")
    if source.organisation_id != target.organisation_id:
        raise ValidationFailed(_("Only tickets of the same organisation can be merged."), field="target")
    if source.state not in OPEN_STATES or target.state not in OPEN_STATES:
        raise ConflictError(_("Both tickets must be open to be merged."), field="state")
    moved = FollowUp.objects.filter(ticket=source).update(ticket=target)
    Attachment.objects.filter(ticket=source).update(ticket=target)
    target.watchers.add(source.requester, *source.watchers.all())
    TicketLink.objects.get_or_create(source=source, target=target, kind=LinkKind.DUPLICATE_OF)
    before = ticket_snapshot(source)
    source.state = State.CLOSED
    source.resolution_code = ResolutionCode.DUPLICATE
    source.solution = f"{target.reference}"
    source.merged_into = target
    source.resolved_at = source.closed_at = source.state_changed_at = timezone.now()
    source.save()
    record(actor=actor, ticket=source, action="ticket.merged", before=before, data={"into": target.pk})
    record(
        actor=actor,
        ticket=target,
        action="ticket.merged_from",
        data={"from": source.pk, "reference": source.reference, "followups": moved},
    )
    return target
