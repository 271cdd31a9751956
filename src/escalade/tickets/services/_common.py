"""Shared by the ticket services: recording ticket events and locking the ticket row."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from escalade.core.actors import Actor
from escalade.core.events import publish
from escalade.core.models import Event
from escalade.core.services import JSONValue, changes_between, event_build, snapshot
from escalade.tickets.models import Ticket

CATEGORY_FIELDS = (
    "parent",
    "name_fr",
    "name_en",
    "organisations",
    "default_team",
    "default_kind",
    "is_active",
)
TRACKED_FIELDS = (
    "kind", "title", "description", "requester", "organisation", "site", "contract", "is_out_of_contract",
    "out_of_contract_reason", "category", "channel", "custom_fields", "impact", "urgency", "priority",
    "is_priority_overridden", "state", "team", "assignee", "support_level", "sla_policy", "resolution_code",
    "solution", "merged_into",
)  # fmt: skip


def ticket_snapshot(ticket: Ticket) -> dict[str, JSONValue]:
    """The tracked fields of a ticket, to diff before/after a change."""
    return snapshot(ticket, TRACKED_FIELDS)


def _changes(
    ticket: Ticket,
    before: Mapping[str, JSONValue] | None,
    changes: Mapping[str, dict[str, JSONValue]] | None,
) -> Mapping[str, dict[str, JSONValue]]:
    if changes is None:
        changes = changes_between(before or {}, ticket_snapshot(ticket)) if before is not None else {}
    return changes


def _event(
    actor: Actor,
    ticket: Ticket,
    action: str,
    changes: Mapping[str, dict[str, JSONValue]],
    data: Mapping[str, JSONValue] | None,
) -> Event:
    return event_build(
        actor=actor,
        obj=ticket,
        action=action,
        changes=changes,
        data=data,
        organisation_id=ticket.organisation_id,
    )


def record(
    *,
    actor: Actor,
    ticket: Ticket,
    action: str,
    before: Mapping[str, JSONValue] | None = None,
    data: Mapping[str, JSONValue] | None = None,
    changes: Mapping[str, dict[str, JSONValue]] | None = None,
) -> Event:
    """Record ``action`` on ``ticket`` (the fields that changed since ``before``, or ``changes``) and
    publish it: the SLA clock, automation, mail, webhooks and search react through their subscriptions
    (``core.events``), in this transaction, and defer their after-commit work to the outbox."""
    event = _event(actor, ticket, action, _changes(ticket, before, changes), data)
    event.save(force_insert=True)
    publish([event], [ticket])
    return event


def record_many(
    *,
    actors: Sequence[Actor],
    tickets: Sequence[Ticket],
    action: str,
    data: Sequence[Mapping[str, JSONValue]],
    before: Mapping[str, JSONValue] | None = None,
    changes: Sequence[Mapping[str, dict[str, JSONValue]]] | None = None,
) -> list[Event]:
    """:func:`record` for several tickets (``actors[i]`` did ``action`` on ``tickets[i]``, with
    ``data[i]`` and, if given, ``changes[i]``): the same events, written in one insert and published
    together (each subscriber is called once for the batch)."""
    each = changes if changes is not None else [None] * len(tickets)
    events = Event.objects.bulk_create(
        _event(actor, ticket, action, _changes(ticket, before, given), details)
        for actor, ticket, details, given in zip(actors, tickets, data, each, strict=True)
    )
    publish(events, list(tickets))
    return events


def locked(ticket: Ticket) -> Ticket:
    """Re-read ``ticket`` with a row lock, so concurrent changes serialise instead of overwriting."""
    return Ticket.objects.select_for_update().get(pk=ticket.pk)
