"""Creating tickets and replying in bulk: the result of :func:`ticket_create` (or :func:`ticket_reply`)
called for each request in order, in a constant number of queries per batch (for integrations that log
many tickets: monitoring, migrations; and the e-mail poller).

The pieces are intake's (``intake.py``) and the conversation's (``conversation.py``); this module reads
their reference data once per batch (the priority matrix, the contracts, teams and agents' loads of
every organisation concerned, the category rules, the default SLA policy) and writes each kind of row
in one statement.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from escalade.contracts.selectors import contract_choose, contracts_of
from escalade.core.actors import Actor
from escalade.core.bulk import rows_update
from escalade.core.errors import DomainError, ValidationFailed
from escalade.core.services import JSONValue, changes_between
from escalade.notifications.services import notify_many, supervisors
from escalade.tickets.choices import Channel, FollowUpKind
from escalade.tickets.models import Attachment, FollowUp, Ticket
from escalade.tickets.services._common import record_many, ticket_snapshot
from escalade.tickets.services.conversation import attachment_build, attachment_data, reply_apply, reply_check
from escalade.tickets.services.intake import (
    CheckedRequest,
    PriorityMatrix,
    TicketRequest,
    creation_data,
    default_sla_policy,
    first_line_choose,
    first_line_teams,
    intake_check,
    intake_notices,
    next_references,
    priority_matrix,
    tags_by_name,
    team_loads,
    ticket_build,
)


@transaction.atomic
def ticket_create_many(
    *, actor: Actor, requests: Sequence[TicketRequest], actors: Sequence[Actor] | None = None
) -> list[Ticket]:
    """Log one ticket per request, as :func:`ticket_create` would one after the other (same fields,
    references in order, events, SLA due dates, notifications, mails), in one transaction.

    ``actors``: who logs each request when they differ (``actors[i]`` for ``requests[i]``; e-mail:
    each sender), else ``actor`` logs them all.
    Every request is checked before anything is written: the first invalid one fails the whole batch
    with :class:`ValidationFailed` on ``items.<index>.<field>``.
    """
    if not requests:
        return []
    if actors is not None and len(actors) != len(requests):
        raise ValueError("one actor per request")
    _load_related(requests)
    matrix = priority_matrix()
    checked = [_check(index, request, matrix) for index, request in enumerate(requests)]
    now = timezone.now()
    tickets = _build(checked, now=now)
    Ticket.objects.bulk_create(tickets)
    _link(tickets, checked)
    record_many(
        actors=actors or [actor] * len(tickets),
        tickets=tickets,
        action="ticket.created",
        before={},
        data=[creation_data(ticket, item) for ticket, item in zip(tickets, checked, strict=True)],
    )
    people = functools.cache(lambda: list(supervisors()))  # read once, and only if a ticket needs them
    notify_many(
        notices=[notice for ticket in tickets for notice in intake_notices(ticket, supervisors=people)]
    )
    return tickets


def _load_related(requests: Sequence[TicketRequest]) -> None:
    """What the checks and the new tickets read, for the whole batch: requesters' organisations and
    sites, categories' organisations and fields (objects already loaded are not read again)."""
    prefetch_related_objects([request.requester for request in requests], "organisation", "site")
    categories = [request.category for request in requests if request.category is not None]
    prefetch_related_objects(categories, "organisations", "fields")


def _check(index: int, request: TicketRequest, matrix: PriorityMatrix) -> CheckedRequest:
    try:
        return intake_check(request, matrix=matrix)
    except ValidationFailed as error:
        error.field = f"items.{index}.{error.field}" if error.field else f"items.{index}"
        raise


def _build(checked: Sequence[CheckedRequest], *, now: dt.datetime) -> list[Ticket]:
    """The new tickets, with their contract, policy, team and agent chosen as one-by-one calls would."""
    organisation_ids = {item.organisation.pk for item in checked}
    contracts = contracts_of(organisation_ids=organisation_ids)
    served = first_line_teams(organisation_ids=organisation_ids)
    teams = [
        first_line_choose(
            teams=served.get(item.organisation.pk, []),
            category=item.request.category,
            addressed=item.request.team,
        )
        for item in checked
    ]
    loads = team_loads(teams=[team for team in teams if team is not None])
    references = next_references(year=timezone.localdate(now).year, count=len(checked))
    default_policy = functools.cache(default_sla_policy)
    return [
        ticket_build(
            item,
            reference=reference,
            match=contract_choose(
                contracts=contracts.get(item.organisation.pk, []), category=item.request.category, at=now
            ),
            team=team,
            assignee=loads.pick(team) if team is not None else None,
            default_policy=default_policy,
        )
        for item, team, reference in zip(checked, teams, references, strict=True)
    ]


def _link(tickets: Sequence[Ticket], checked: Sequence[CheckedRequest]) -> None:
    """Tags (created on first use, in order) and watchers: one insert each for the whole batch."""
    tags = tags_by_name(name for item in checked for name in item.tag_names)
    Ticket.tags.through.objects.bulk_create(
        Ticket.tags.through(ticket_id=ticket.pk, tag_id=tags[name].pk)
        for ticket, item in zip(tickets, checked, strict=True)
        for name in item.tag_names
    )
    Ticket.watchers.through.objects.bulk_create(
        Ticket.watchers.through(ticket_id=ticket.pk, user_id=watcher.pk)
        for ticket, item in zip(tickets, checked, strict=True)
        for watcher in item.watchers
    )


@dataclass(frozen=True, kw_only=True)
class ReplyRequest:
    """The arguments of :func:`ticket_reply` as one value (an item of :func:`ticket_reply_many`)."""

    actor: Actor
    ticket: Ticket
    body: str
    channel: str = Channel.PORTAL


@transaction.atomic
def ticket_reply_many(*, replies: Sequence[ReplyRequest]) -> list[FollowUp]:
    """Add public replies, as :func:`ticket_reply` would one after the other (same follow-ups, ticket
    changes, events, mails, due dates), in one transaction and a constant number of queries.

    The tickets are locked together, in id order. Every reply is checked first: the first one that
    :func:`ticket_reply` would refuse fails the whole batch, its field named ``items.<index>.<field>``.
    (A reply changes nothing that the checks of the next ones read: who may reply, whether it is
    closed.)
    """
    if not replies:
        return []
    ids = {reply.ticket.pk for reply in replies}
    tickets = {
        ticket.pk: ticket for ticket in Ticket.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    for index, reply in enumerate(replies):
        try:
            reply_check(actor=reply.actor, ticket=tickets[reply.ticket.pk], body=reply.body)
        except DomainError as error:
            error.field = f"items.{index}.{error.field}" if error.field else f"items.{index}"
            raise
    followups = FollowUp.objects.bulk_create(
        FollowUp(ticket=tickets[reply.ticket.pk], author=reply.actor.user, kind=FollowUpKind.REPLY,
                 body=reply.body.strip(), channel=reply.channel)
        for reply in replies
    )  # fmt: skip
    replied = [tickets[reply.ticket.pk] for reply in replies]
    data: list[dict[str, JSONValue]] = []
    changes: list[dict[str, dict[str, JSONValue]]] = []
    moved: set[int] = set()
    for reply, ticket, followup in zip(replies, replied, followups, strict=True):
        before, was = ticket_snapshot(ticket), (ticket.state, ticket.first_responded_at)
        data.append(reply_apply(actor=reply.actor, ticket=ticket, followup=followup))
        changes.append(changes_between(before, ticket_snapshot(ticket)))
        if (ticket.state, ticket.first_responded_at) != was:
            moved.add(ticket.pk)
    _save_replied(list(tickets.values()), moved=moved)
    record_many(
        actors=[reply.actor for reply in replies], tickets=replied, action="ticket.replied", data=data,
        changes=changes,
    )  # fmt: skip
    return followups


def _save_replied(tickets: list[Ticket], *, moved: set[int]) -> None:
    """What ``save()`` after each reply writes: ``updated_at`` for all (one update), and the fields a
    reply may change (state, first response) for the tickets in ``moved`` (one more)."""
    now = timezone.now()
    for ticket in tickets:
        ticket.updated_at = now  # what save() sets (auto_now)
    Ticket.objects.filter(pk__in=[ticket.pk for ticket in tickets]).update(updated_at=now)
    if moved:
        changed = [ticket for ticket in tickets if ticket.pk in moved]
        rows_update(changed, ["state", "state_changed_at", "first_responded_at"])


@dataclass(frozen=True, kw_only=True)
class AttachmentRequest:
    """The arguments of :func:`attachment_add` as one value (an item of :func:`attachment_add_many`)."""

    actor: Actor
    ticket: Ticket
    filename: str
    content: IO[bytes]
    followup: FollowUp | None = None
    is_internal: bool = False


@transaction.atomic
def attachment_add_many(*, attachments: Sequence[AttachmentRequest]) -> list[Attachment | DomainError]:
    """Store files as :func:`attachment_add` would one after the other; in the answer, each file's
    attachment, or in its place what refused it (a refused file leaves nothing behind, the others are
    stored). One insert for the attachments, one for their events, one update of their tickets."""
    results: list[Attachment | DomainError] = []
    for item in attachments:
        try:
            results.append(attachment_build(**vars(item)))
        except DomainError as error:
            results.append(error)
    stored = [result for result in results if isinstance(result, Attachment)]
    if not stored:
        return results
    Attachment.objects.bulk_create(stored)
    record_many(
        actors=[
            item.actor
            for item, result in zip(attachments, results, strict=True)
            if isinstance(result, Attachment)
        ],
        tickets=[attachment.ticket for attachment in stored],
        action="ticket.attachment_added",
        data=[attachment_data(attachment) for attachment in stored],
    )
    Ticket.objects.filter(pk__in={attachment.ticket_id for attachment in stored}).update(
        updated_at=timezone.now()
    )
    return results
