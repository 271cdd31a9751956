"""Creating tickets in bulk: the result of :func:`ticket_create` called for each request in order, in a
constant number of queries per batch (for integrations that log many tickets: monitoring, migrations).

The pieces are intake's (``intake.py``); this module reads their reference data once per batch (the
priority matrix, the contracts, teams and agents' loads of every organisation concerned, the category
rules, the default SLA policy) and writes each kind of row in one statement.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence

from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from escalade.contracts.selectors import contract_choose, contracts_by_organisation
from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.notifications.services import notify_many, supervisors
from escalade.sla.services import sla_start_many
from escalade.tickets.models import Ticket
from escalade.tickets.services._common import record_many
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
def ticket_create_many(*, actor: Actor, requests: Sequence[TicketRequest]) -> list[Ticket]:
    """Log one ticket per request, as :func:`ticket_create` would one after the other (same fields,
    references in order, events, SLA due dates, notifications, mails), in one transaction.

    Every request is checked before anything is written: the first invalid one fails the whole batch
    with :class:`ValidationFailed` on ``items.<index>.<field>``.
    """
    if not requests:
        return []
    _load_related(requests)
    matrix = priority_matrix()
    checked = [_check(index, request, matrix) for index, request in enumerate(requests)]
    now = timezone.now()
    tickets = _build(checked, now=now)
    Ticket.objects.bulk_create(tickets)
    _link(tickets, checked)
    record_many(
        actor=actor,
        tickets=tickets,
        action="ticket.created",
        before={},
        data=[creation_data(ticket, item) for ticket, item in zip(tickets, checked, strict=True)],
    )
    sla_start_many(tickets=tickets, now=now)
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
    contracts = contracts_by_organisation(organisation_ids=organisation_ids)
    served = first_line_teams(organisation_ids=organisation_ids)
    teams = [
        first_line_choose(teams=served.get(item.organisation.pk, []), category=item.request.category)
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
