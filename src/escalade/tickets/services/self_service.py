"""Tickets that record a self-service action (password reset, unlock, access right): created resolved,
at support level 0 (no agent involved), so that reports count them as requests solved at level 0."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from escalade.accounts.models import User
from escalade.contracts.selectors import contract_match
from escalade.core.actors import Actor
from escalade.tickets.choices import Channel, Kind, ResolutionCode, State
from escalade.tickets.models import Ticket
from escalade.tickets.services._common import record, ticket_snapshot
from escalade.tickets.services.intake import (
    TicketRequest,
    default_sla_policy,
    intake_check,
    next_reference,
    priority_matrix,
    tag_objects,
    ticket_build,
)

SELF_SERVICE_LEVEL = 0


@transaction.atomic
def ticket_record_self_service(
    *, actor: Actor, requester: User, title: str, description: str, solution: str, tags: Iterable[str] = ()
) -> Ticket:
    """A ticket for ``requester`` created resolved with ``solution`` (what was done), level 0, channel
    self-service, no team and no assignee (nobody is notified). Two events: created, resolved."""
    request = TicketRequest(
        requester=requester,
        title=title,
        description=description,
        kind=Kind.REQUEST,
        channel=Channel.SELF_SERVICE,
        tags=tags,
    )
    checked = intake_check(request, matrix=priority_matrix(cell=(request.impact, request.urgency)))
    now = timezone.now()
    ticket = ticket_build(
        checked,
        reference=next_reference(year=timezone.localdate(now).year),
        match=contract_match(organisation=checked.organisation, category=None, at=now),
        team=None,
        assignee=None,
        default_policy=default_sla_policy,
    )
    ticket.support_level = SELF_SERVICE_LEVEL
    ticket.save(force_insert=True)
    if checked.tag_names:
        ticket.tags.set(tag_objects(checked.tag_names))
    record(actor=actor, ticket=ticket, action="ticket.created", before={}, data={"self_service": True})
    before = ticket_snapshot(ticket)
    ticket.state, ticket.resolution_code, ticket.solution = State.RESOLVED, ResolutionCode.SOLVED, solution
    ticket.resolved_at = ticket.first_responded_at = timezone.now()
    ticket.save()
    record(actor=actor, ticket=ticket, action="ticket.resolved", before=before)
    return ticket
