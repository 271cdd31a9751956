"""Ticket endpoints: create, list, read, update, and the workflow actions.

Each endpoint loads the ticket through ``authz`` (invisible → 404), calls one service (which checks
what the caller may do → 403), and returns the ticket as the caller may see it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router

from escalade import authz
from escalade.api import queries
from escalade.api.auth import actor_of, caller
from escalade.api.pagination import ticket_page
from escalade.api.schemas.tickets import (
    BATCH_LIMIT,
    SlaClockOut,
    TicketBatchIn,
    TicketBatchOut,
    TicketCreateIn,
    TicketEscalateIn,
    TicketHandBackIn,
    TicketListIn,
    TicketListOut,
    TicketOut,
    TicketReopenIn,
    TicketResolveIn,
    TicketTransitionIn,
    TicketUpdateIn,
)
from escalade.contracts.intake import IntakeAssessment, intake_assess_many, intake_decisions_record
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.sla.selectors import sla_timeline
from escalade.tickets import services
from escalade.tickets.models import Ticket
from escalade.tickets.services import TicketRequest

router = Router(tags=["tickets"])


def _out(request: HttpRequest, ticket: Ticket) -> Ticket:
    return queries.ticket_detail(caller(request), ticket.reference)


def _ticket_requests(
    request: HttpRequest, payloads: Sequence[TicketCreateIn], *, field: Callable[[int, str], str]
) -> list[TicketRequest]:
    """The service's requests for ``payloads``, as the caller may make them: someone else as the
    requester only for provider staff, and only people, categories and sites the caller sees (three
    queries at most, whatever the number of payloads). ``field(index, name)`` names an input in errors."""
    user = caller(request)
    for index, payload in enumerate(payloads):
        if payload.requester_id not in (None, user.pk) and not authz.is_provider_staff(user):
            raise PermissionDeniedError(
                _("Only provider staff may log a ticket for someone else."),
                field=field(index, "requester_id"),
            )
    others = [None if payload.requester_id == user.pk else payload.requester_id for payload in payloads]
    # The requester's organisation comes along: intake needs it (contracts, teams).
    people = queries.visible_by_pk(authz.people_visible_to(user).select_related("organisation"), others)
    categories = queries.visible_by_pk(authz.categories_visible_to(user), [p.category_id for p in payloads])
    sites = queries.visible_by_pk(queries.sites_visible_to(user), [p.site_id for p in payloads])

    def known[M: Model](found: Mapping[int, M], pk: int | None, index: int, name: str) -> M | None:
        return None if pk is None else queries.known_or_invalid(found, pk, field=field(index, name))

    return [
        TicketRequest(
            requester=known(people, others[index], index, "requester_id") or user,
            title=payload.title,
            description=payload.description,
            kind=payload.kind,
            category=known(categories, payload.category_id, index, "category_id"),
            channel=payload.channel,
            impact=payload.impact,
            urgency=payload.urgency,
            priority=payload.priority,
            priority_reason=payload.priority_reason,
            site=known(sites, payload.site_id, index, "site_id"),
            tags=payload.tags,
            custom_fields=payload.custom_fields,
        )
        for index, payload in enumerate(payloads)
    ]


@router.post("/tickets", response={201: TicketOut}, summary="Log a ticket")
def ticket_create(request: HttpRequest, payload: TicketCreateIn) -> Ticket:
    [item] = _ticket_requests(request, [payload], field=lambda _index, name: name)
    [assessment] = _contract_decisions([item], field=lambda _index, name: name)
    actor = actor_of(request)
    ticket = services.ticket_create(actor=actor, **vars(item))
    intake_decisions_record(actor=actor, tickets=[ticket], assessments=[assessment], acknowledged=False)
    return queries.ticket_created(ticket)


def _contract_decisions(
    items: Sequence[TicketRequest], *, field: Callable[[int, str], str]
) -> list[IntakeAssessment]:
    """The contract's decision for each request (ADR 0017): one the contract refuses is a 422 naming
    its category; the others are logged with the decision recorded."""
    assessments = intake_assess_many(
        requests=[(item.requester.organisation, item.category) for item in items]
    )
    for index, assessment in enumerate(assessments):
        if assessment.is_refused:
            raise ValidationFailed(assessment.refusal(), field=field(index, "category_id"))
    return assessments


@router.post(
    "/tickets/batch",
    response={201: TicketBatchOut},
    summary="Log up to 100 tickets at once",
    description=(
        "For integrations that log tickets in bulk (monitoring, migrations). Each item is what "
        "`POST /api/tickets` takes, under the same rules; the tickets are logged in order, exactly as "
        f"that many single calls would log them, but in one transaction: 1 to {BATCH_LIMIT} items, all "
        "logged or none. An error names the item, e.g. `items.3.category_id`. The answer lists the "
        "created tickets in the order of the items."
    ),
)
def ticket_create_batch(request: HttpRequest, payload: TicketBatchIn) -> dict[str, list[Ticket]]:
    items = _ticket_requests(request, payload.items, field=lambda index, name: f"items.{index}.{name}")
    assessments = _contract_decisions(items, field=lambda index, name: f"items.{index}.{name}")
    actor = actor_of(request)
    tickets = services.ticket_create_many(actor=actor, requests=items)
    intake_decisions_record(actor=actor, tickets=tickets, assessments=assessments, acknowledged=False)
    return {"items": queries.tickets_created(tickets)}


@router.get("/tickets", response=TicketListOut, summary="List tickets (keyset pages)")
def ticket_list(request: HttpRequest, filters: Query[TicketListIn]) -> dict[str, object]:
    tickets = queries.ticket_list(caller(request), filters)
    items, next_cursor = ticket_page(tickets, sort=filters.sort, cursor=filters.cursor, limit=filters.limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/tickets/{reference}", response=TicketOut, summary="Read a ticket")
def ticket_read(request: HttpRequest, reference: str) -> Ticket:
    return queries.ticket_detail(caller(request), reference)


@router.get("/tickets/{reference}/sla", response=SlaClockOut, summary="The SLA clock and its timeline")
def ticket_sla(request: HttpRequest, reference: str) -> dict[str, object]:
    ticket = queries.visible_ticket(caller(request), reference)
    clock = sla_timeline(ticket=ticket)
    return {
        "state": str(clock.kind),
        "started_at": ticket.created_at,
        "first_response_due": clock.first_response_due,
        "first_response_warning_at": clock.first_response_warning_at,
        "first_response_elapsed_seconds": _seconds(clock.first_response_elapsed),
        "first_response_remaining_seconds": _seconds(clock.first_response_remaining),
        "resolution_started_at": clock.resolution_started_at,
        "resolution_due": clock.resolution_due or clock.resolution_missed_due,
        "resolution_overdue": clock.resolution_missed_due is not None,
        "resolution_warning_at": clock.resolution_warning_at,
        "resolution_elapsed_seconds": _seconds(clock.resolution_elapsed),
        "resolution_remaining_seconds": _seconds(clock.resolution_remaining),
        "paused_since": clock.paused_since,
        "timeline": [{"kind": str(s.kind), "start": s.start, "end": s.end} for s in clock.timeline],
        "breaches": [{"target": str(b.target), "at": b.at} for b in clock.breaches],
    }


def _seconds(duration: dt.timedelta | None) -> float | None:
    return duration.total_seconds() if duration is not None else None


@router.patch("/tickets/{reference}", response=TicketOut, summary="Qualify, prioritise or assign")
def ticket_update(request: HttpRequest, reference: str, payload: TicketUpdateIn) -> Ticket:
    user = caller(request)
    ticket = queries.visible_ticket(user, reference)
    # Several services may run: refuse up front rather than roll back half-done work.
    authz.ensure_ticket_action(user, "work", ticket)
    if not payload.model_fields_set:
        raise ValidationFailed(_("Nothing to change."))
    with transaction.atomic():
        ticket = _apply_update(request, ticket, payload)
    return _out(request, ticket)


EDITED_FIELDS = frozenset(
    {"title", "description", "kind", "category_id", "custom_fields", "site_id", "tags", "watcher_ids"}
)


def _edit(request: HttpRequest, ticket: Ticket, payload: TicketUpdateIn) -> Ticket:
    user, sent = caller(request), payload.model_fields_set
    changes: dict[str, Any] = {
        name: getattr(payload, name) for name in ("title", "description", "kind", "custom_fields", "tags")
    }
    if "category_id" in sent:
        changes["category"] = None
        if payload.category_id is not None:
            changes["category"] = queries.category_for(user, payload.category_id, field="category_id")
    if "site_id" in sent:
        changes["site"] = None
        if payload.site_id is not None:
            changes["site"] = queries.site_for(user, payload.site_id, field="site_id")
    if payload.watcher_ids is not None:
        changes["watchers"] = queries.objects_for(
            authz.people_visible_to(user), payload.watcher_ids, field="watcher_ids"
        )
    return services.ticket_update(actor=actor_of(request), ticket=ticket, **changes)


def _apply_update(request: HttpRequest, ticket: Ticket, payload: TicketUpdateIn) -> Ticket:
    user, actor, sent = caller(request), actor_of(request), payload.model_fields_set
    if sent & EDITED_FIELDS:
        ticket = _edit(request, ticket, payload)
    if sent & {"impact", "urgency"}:
        ticket = services.ticket_qualify(
            actor=actor,
            ticket=ticket,
            impact=payload.impact if payload.impact is not None else ticket.impact,
            urgency=payload.urgency if payload.urgency is not None else ticket.urgency,
        )
    if "priority" in sent:
        if payload.priority is None:
            raise ValidationFailed(_("Priority goes from 1 to 5."), field="priority")
        ticket = services.ticket_set_priority(
            actor=actor, ticket=ticket, priority=payload.priority, reason=payload.priority_reason
        )
    if sent & {"team_id", "assignee_id"}:
        team = queries.team_for(payload.team_id, field="team_id") if payload.team_id is not None else None
        assignee = None
        if payload.assignee_id is not None:
            assignee = queries.person_for(user, payload.assignee_id, field="assignee_id")
        ticket = services.ticket_assign(actor=actor, ticket=ticket, team=team, assignee=assignee)
    return ticket


@router.post("/tickets/{reference}/transition", response=TicketOut, summary="Change the state")
def ticket_transition(request: HttpRequest, reference: str, payload: TicketTransitionIn) -> Ticket:
    ticket = queries.visible_ticket(caller(request), reference)
    ticket = services.ticket_transition(
        actor=actor_of(request), ticket=ticket, state=payload.state, reason=payload.reason
    )
    return _out(request, ticket)


@router.post("/tickets/{reference}/resolve", response=TicketOut, summary="Resolve")
def ticket_resolve(request: HttpRequest, reference: str, payload: TicketResolveIn) -> Ticket:
    ticket = queries.visible_ticket(caller(request), reference)
    ticket = services.ticket_resolve(
        actor=actor_of(request),
        ticket=ticket,
        resolution_code=payload.resolution_code,
        solution=payload.solution,
    )
    return _out(request, ticket)


@router.post("/tickets/{reference}/reopen", response=TicketOut, summary="Reopen")
def ticket_reopen(request: HttpRequest, reference: str, payload: TicketReopenIn) -> Ticket:
    ticket = queries.visible_ticket(caller(request), reference)
    ticket = services.ticket_reopen(actor=actor_of(request), ticket=ticket, reason=payload.reason)
    return _out(request, ticket)


@router.post("/tickets/{reference}/close", response=TicketOut, summary="Close a resolved ticket")
def ticket_close(request: HttpRequest, reference: str) -> Ticket:
    ticket = queries.visible_ticket(caller(request), reference)
    ticket = services.ticket_close(actor=actor_of(request), ticket=ticket)
    return _out(request, ticket)


@router.post("/tickets/{reference}/take", response=TicketOut, summary="Assign to myself")
def ticket_take(request: HttpRequest, reference: str) -> Ticket:
    ticket = queries.visible_ticket(caller(request), reference)
    ticket = services.ticket_take(actor=actor_of(request), ticket=ticket)
    return _out(request, ticket)


@router.post("/tickets/{reference}/escalate", response=TicketOut, summary="Escalate to a higher level")
def ticket_escalate(request: HttpRequest, reference: str, payload: TicketEscalateIn) -> Ticket:
    ticket = queries.visible_ticket(caller(request), reference)
    team = queries.team_for(payload.team_id, field="team_id") if payload.team_id is not None else None
    ticket = services.ticket_escalate(
        actor=actor_of(request), ticket=ticket, reason=payload.reason, team=team, level=payload.level
    )
    return _out(request, ticket)


@router.post("/tickets/{reference}/hand-back", response=TicketOut, summary="Hand back down, with a reason")
def ticket_hand_back(request: HttpRequest, reference: str, payload: TicketHandBackIn) -> Ticket:
    ticket = queries.visible_ticket(caller(request), reference)
    team = queries.team_for(payload.team_id, field="team_id") if payload.team_id is not None else None
    ticket = services.ticket_hand_back(
        actor=actor_of(request), ticket=ticket, reason=payload.reason, team=team, level=payload.level
    )
    return _out(request, ticket)
