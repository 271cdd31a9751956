"""The JSON a webhook carries: one versioned envelope, described by the models below.

The same pydantic models build every body and describe it in the OpenAPI document (its top-level
``webhooks`` object), so the documentation cannot drift from what is sent. The envelope follows the
Standard Webhooks recommendation (``type``, ``timestamp``, ``data``) plus ``version``, raised only by a
change that could break a receiver (a field removed or changing meaning); new fields may appear
within a version.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from pydantic import BaseModel, Field

from escalade.accounts.models import Team, User
from escalade.core.models import Event
from escalade.orgs.models import Organisation
from escalade.tickets.models import Ticket
from escalade.tickets.selectors import PUBLIC_ACTIONS

VERSION = 1
TEST_EVENT = "webhook.test"

# The events a subscription may ask for (patterns such as ``ticket.*`` match among them).
TICKET_EVENTS = (
    "ticket.created", "ticket.replied", "ticket.note_added", "ticket.attachment_added", "ticket.updated",
    "ticket.state_changed", "ticket.resolved", "ticket.reopened", "ticket.closed", "ticket.assigned",
    "ticket.escalated", "ticket.handed_back", "ticket.priority_changed", "ticket.qualified",
    "ticket.linked", "ticket.merged", "ticket.sla_warning", "ticket.sla_breached",
)  # fmt: skip

EVENT_LABELS = {
    "ticket.*": _("Every ticket event"),
    "ticket.created": _("Ticket created"),
    "ticket.replied": _("Reply added"),
    "ticket.note_added": _("Internal note added"),
    "ticket.attachment_added": _("Attachment added"),
    "ticket.updated": _("Ticket edited"),
    "ticket.state_changed": _("State changed"),
    "ticket.resolved": _("Ticket resolved"),
    "ticket.reopened": _("Ticket reopened"),
    "ticket.closed": _("Ticket closed"),
    "ticket.assigned": _("Ticket assigned"),
    "ticket.escalated": _("Ticket escalated"),
    "ticket.handed_back": _("Ticket handed back"),
    "ticket.priority_changed": _("Priority changed"),
    "ticket.qualified": _("Ticket qualified"),
    "ticket.linked": _("Tickets linked"),
    "ticket.merged": _("Tickets merged"),
    "ticket.sla_warning": _("SLA warning"),
    "ticket.sla_breached": _("SLA breached"),
}

# What a subscription scoped to one client receives: what that client's people see of their tickets
# (the portal's public events, replies and state changes). Notes, assignment, escalation, SLA flags
# and attachments (which may be internal) stay with the provider's own subscriptions.
CLIENT_EVENTS = frozenset(PUBLIC_ACTIONS | {"ticket.replied", "ticket.state_changed"})


class Reference(BaseModel):
    """An organisation, team or person: id and display name."""

    id: int
    name: str


class TicketData(BaseModel):
    """The ticket as it is once the event has happened (its public fields; never notes or messages)."""

    reference: str = Field(examples=["ESC-2026-000042"])
    title: str
    kind: str
    state: str = Field(description="new, assigned, in_progress, pending_requester, pending_third_party, …")
    priority: int = Field(ge=1, le=5, description="1 (critical) to 5 (planning)")
    organisation: Reference
    requester: Reference
    team: Reference | None
    assignee: Reference | None
    support_level: int
    first_response_due: dt.datetime | None
    resolution_due: dt.datetime | None
    created_at: dt.datetime
    url: str = Field(description="The ticket on the agents' desk")
    portal_url: str = Field(description="The ticket on the requesters' portal")


class Change(BaseModel):
    """One field's value before and after (foreign keys as ids)."""

    from_: Any = Field(alias="from")
    to: Any


class Actor(BaseModel):
    """Who did it: a person, the system (``sla-sweep``…) or a channel (``email``…)."""

    kind: Literal["user", "system", "channel"]
    name: str


class EventData(BaseModel):
    """What happened: the ticket, the fields that changed, who acted."""

    event_id: int | None = Field(description="The event in Escalade's log (none for a test message)")
    ticket: TicketData | None
    changes: dict[str, Change] = Field(default_factory=dict)
    actor: Actor | None
    followup_id: int | None = Field(
        default=None, description="The follow-up a reply or note added (read it through the API)"
    )


class Envelope(BaseModel):
    """The body of every webhook request (``Content-Type: application/json``)."""

    type: str = Field(description="The event's action: ticket.created, ticket.assigned, …, webhook.test")
    timestamp: dt.datetime = Field(description="When the event happened")
    version: Literal[1] = 1
    data: EventData


def body_of(envelope: Envelope) -> str:
    """The exact text sent (and signed) for ``envelope``; frozen on the delivery."""
    return envelope.model_dump_json(by_alias=True)


class People:
    """The names a batch of payloads needs, read once: organisations, people and teams by id."""

    def __init__(self, tickets: Iterable[Ticket], events: Iterable[Event] = ()) -> None:
        tickets = list(tickets)
        self.organisations = dict(
            Organisation.objects.filter(pk__in={t.organisation_id for t in tickets}).values_list("pk", "name")
        )
        person_ids = {t.requester_id for t in tickets} | {t.assignee_id for t in tickets if t.assignee_id}
        person_ids |= {event.actor_id for event in events if event.actor_id}
        self.people = dict(User.objects.filter(pk__in=person_ids).values_list("pk", "full_name"))
        team_ids = {t.team_id for t in tickets if t.team_id}
        self.teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name")) if team_ids else {}

    def actor(self, event: Event) -> Actor:
        """A person by their name (never their address); the system or a channel by its name."""
        if event.actor_id:
            return Actor(kind=event.actor_kind, name=self.people.get(event.actor_id, ""))  # type: ignore[arg-type]
        name = (
            event.actor_label.split(":", 1)[-1]
            if event.actor_kind == "system"
            else event.actor_label.split(":", 1)[0]
        )
        return Actor(kind=event.actor_kind, name=name)  # type: ignore[arg-type]

    def ticket(self, ticket: Ticket) -> TicketData:
        site, where = settings.ESCALADE_SITE_URL, {"reference": ticket.reference}
        organisation = self.organisations.get(ticket.organisation_id, "")
        team = (
            Reference(id=ticket.team_id, name=self.teams.get(ticket.team_id, "")) if ticket.team_id else None
        )
        return TicketData(
            reference=ticket.reference, title=ticket.title, kind=ticket.kind, state=ticket.state,
            priority=ticket.priority, support_level=ticket.support_level,
            organisation=Reference(id=ticket.organisation_id, name=organisation), team=team,
            requester=Reference(id=ticket.requester_id, name=self.people.get(ticket.requester_id, "")),
            assignee=(
                Reference(id=ticket.assignee_id, name=self.people.get(ticket.assignee_id, ""))
                if ticket.assignee_id else None
            ),
            first_response_due=ticket.first_response_due, resolution_due=ticket.resolution_due,
            created_at=ticket.created_at,
            url=site + reverse("workspace:ticket", kwargs=where),
            portal_url=site + reverse("portal:ticket", kwargs=where),
        )  # fmt: skip


def event_envelope(event: Event, ticket: Ticket | None, people: People | None = None) -> Envelope:
    """The envelope of one ticket event."""
    followup = event.data.get("followup") if isinstance(event.data, dict) else None
    people = people or People([ticket] if ticket is not None else [], [event])
    return Envelope(
        type=event.action, timestamp=event.occurred_at,
        data=EventData(
            event_id=event.pk, ticket=people.ticket(ticket) if ticket is not None else None,
            actor=people.actor(event),
            changes={name: Change.model_validate(change) for name, change in (event.changes or {}).items()},
            followup_id=followup if isinstance(followup, int) else None,
        ),
    )  # fmt: skip


def ping_envelope(*, when: dt.datetime, actor_name: str) -> Envelope:
    """The envelope of the "send a test event" button: no ticket, type ``webhook.test``."""
    return Envelope(
        type=TEST_EVENT, timestamp=when,
        data=EventData(event_id=None, ticket=None, actor=Actor(kind="user", name=actor_name)),
    )  # fmt: skip


def openapi_webhooks(ref_prefix: str = "#/components/schemas/") -> tuple[dict[str, Any], dict[str, Any]]:
    """The OpenAPI 3.1 ``webhooks`` object (one entry per event type) and the schemas it refers to."""
    schema = Envelope.model_json_schema(by_alias=True, ref_template=ref_prefix + "{model}")
    components: dict[str, Any] = schema.pop("$defs", {})
    components["WebhookEnvelope"] = schema
    headers = {
        name: {"required": True, "schema": {"type": "string"}, "description": text}
        for name, text in (
            ("webhook-id", "The message id (msg_…): the same on every attempt and replay; drop duplicates."),
            ("webhook-timestamp", "Seconds since the epoch when this attempt was signed."),
            ("webhook-signature", "v1,<base64 HMAC-SHA256 of id.timestamp.body> (Standard Webhooks)."),
        )
    }
    webhooks = {
        event_type: {
            "post": {
                "summary": event_type,
                "operationId": "webhook_" + event_type.replace(".", "_"),
                "description": (
                    "Sent to the subscriptions that ask for this event. Verify the signature with any "
                    "Standard Webhooks library and the subscription's secret; answer 2xx within the timeout."
                ),
                "parameters": [{"in": "header", "name": name, **spec} for name, spec in headers.items()],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": ref_prefix + "WebhookEnvelope"}}},
                },
                "responses": {"200": {"description": "Received (any 2xx). Anything else is retried."}},
            }
        }
        for event_type in (*TICKET_EVENTS, TEST_EVENT)
    }
    return webhooks, components


def matching_types(patterns: Sequence[str], *, among: Sequence[str] = TICKET_EVENTS) -> list[str]:
    """The event types of ``among`` (by default, every ticket event) that ``patterns`` select."""
    return [t for t in among if any(fnmatch.fnmatchcase(t, p) for p in patterns)]
