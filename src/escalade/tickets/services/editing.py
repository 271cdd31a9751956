"""Editing a ticket's description: title, text, kind, category and its custom fields, site, tags, watchers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, ValidationFailed
from escalade.core.services import JSONValue
from escalade.orgs.models import Site
from escalade.tickets.choices import OPEN_STATES, Kind
from escalade.tickets.models import Category, Ticket
from escalade.tickets.services._common import locked, record, ticket_snapshot
from escalade.tickets.services.intake import check_category, tag_objects, validate_custom_fields

UNSET: object = object()


def _apply_text(ticket: Ticket, *, title: str | None, description: str | None, kind: str | None) -> None:
    if title is not None:
        if not title.strip():
            raise ValidationFailed(_("A title is required."), field="title")
        ticket.title = title.strip()[:200]
    if description is not None:
        ticket.description = description
    if kind is not None:
        if kind not in Kind.values:
            raise ValidationFailed(f"unknown kind {kind}", field="kind")
        ticket.kind = kind


def _apply_category(ticket: Ticket, category: object, custom_fields: Mapping[str, object] | None) -> None:
    if category is not UNSET:
        if category is not None and not isinstance(category, Category):
            raise ValidationFailed("unknown category", field="category")
        check_category(category=category, organisation=ticket.organisation)
        ticket.category = category
    if category is not UNSET or custom_fields is not None:
        values = custom_fields if custom_fields is not None else ticket.custom_fields
        ticket.custom_fields = validate_custom_fields(category=ticket.category, values=values)


def _apply_site(ticket: Ticket, site: object) -> None:
    if site is UNSET:
        return
    if site is not None and (not isinstance(site, Site) or site.organisation_id != ticket.organisation_id):
        raise ValidationFailed("this site belongs to another organisation", field="site")
    ticket.site = site


def _apply_people_and_tags(
    ticket: Ticket, tags: Iterable[str] | None, watchers: Iterable[User] | None
) -> dict[str, JSONValue]:
    data: dict[str, JSONValue] = {}
    if tags is not None:
        before = sorted(ticket.tags.values_list("name", flat=True))
        ticket.tags.set(tag_objects(tags))
        after = sorted(ticket.tags.values_list("name", flat=True))
        if after != before:
            data["tags"] = {"from": before, "to": after}
    if watchers is not None:
        people = list(watchers)
        if any(not authz.can_view_ticket(person, ticket) for person in people):
            raise ValidationFailed(_("A watcher must be able to see the ticket."), field="watchers")
        before_ids = sorted(ticket.watchers.values_list("pk", flat=True))
        ticket.watchers.set(people)
        after_ids = sorted(person.pk for person in people)
        if after_ids != before_ids:
            data["watchers"] = {"from": before_ids, "to": after_ids}
    return data


@transaction.atomic
def ticket_update(
    *,
    actor: Actor,
    ticket: Ticket,
    title: str | None = None,
    description: str | None = None,
    kind: str | None = None,
    category: object = UNSET,
    custom_fields: Mapping[str, object] | None = None,
    site: object = UNSET,
    tags: Iterable[str] | None = None,
    watchers: Iterable[User] | None = None,
) -> Ticket:
    """Change what the ticket is about (staff only, open tickets). Only the given fields change;
    ``category`` and ``site`` accept None to clear them, so "not given" is the ``UNSET`` marker."""
    ticket = locked(ticket)
    authz.ensure_ticket_action(actor.user, "work", ticket)
    if ticket.state not in OPEN_STATES:
        raise ConflictError(_("Reopen the ticket first."), field="state")
    before = ticket_snapshot(ticket)
    _apply_text(ticket, title=title, description=description, kind=kind)
    _apply_category(ticket, category, custom_fields)
    _apply_site(ticket, site)
    ticket.save()
    data = _apply_people_and_tags(ticket, tags, watchers)
    record(actor=actor, ticket=ticket, action="ticket.updated", before=before, data=data)
    return ticket
