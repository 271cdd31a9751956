"""Tickets: what the operations take and what they return."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.urls import reverse
from ninja import Field, Schema

from escalade.api.schemas.common import (
    TAGS_MAX,
    CategoryRef,
    Id,
    Input,
    LongText,
    OrganisationRef,
    PersonRef,
    Tag,
    TeamRef,
    unchanged,
)
from escalade.tickets.choices import (
    Channel,
    FollowUpKind,
    Impact,
    Kind,
    LinkKind,
    Priority,
    ResolutionCode,
    State,
    Urgency,
)
from escalade.tickets.models import Attachment, Ticket

# ------------------------------------------------------------------------------------------ inputs


class TicketCreateIn(Input):
    """A new ticket. Requesters log for themselves; provider staff may name the requester."""

    title: str = Field(..., min_length=1, max_length=200)
    description: LongText = ""
    kind: Kind | None = None
    category_id: Id | None = None
    channel: Channel = Channel.API
    impact: Impact = Impact.LOW
    urgency: Urgency = Urgency.MEDIUM
    priority: Priority | None = Field(None, description="Override the matrix; needs priority_reason.")
    priority_reason: LongText = ""
    site_id: Id | None = None
    requester_id: Id | None = Field(None, description="Provider staff only; default: the caller.")
    tags: list[Tag] = Field(default_factory=list, max_length=TAGS_MAX)
    custom_fields: dict[str, Any] = Field(default_factory=dict)


BATCH_LIMIT = 100  # items per POST /api/tickets/batch: one transaction stays short


class TicketBatchIn(Input):
    """Several new tickets, logged in order in one transaction (all or none)."""

    items: list[TicketCreateIn] = Field(..., min_length=1, max_length=BATCH_LIMIT)


class TicketListIn(Input):
    """Filters (combined with AND), sort and keyset page of the ticket list."""

    state: list[State] = Field(default_factory=list)
    organisation: Id | None = None
    team: Id | None = None
    assignee: Id | None = None
    priority: list[Priority] = Field(default_factory=list)
    category: Id | None = None
    channel: Channel | None = None
    is_out_of_contract: bool | None = None
    q: str | None = Field(None, max_length=200, description="Words in the title.")
    sort: Literal["-id", "resolution_due"] = "-id"
    cursor: str | None = Field(None, max_length=200, description="next_cursor of the previous page.")
    limit: int = Field(25, ge=1, le=100)


class TicketUpdateIn(Input):
    """What the ticket is about, its qualification (impact, urgency), a priority set by hand (with a
    reason), its assignment. Provider staff only.

    Only the fields sent are changed; ``category_id``/``site_id`` null clear them. Assignment:
    ``assignee_id`` alone gives the ticket to a member of its team; ``team_id`` without
    ``assignee_id``, or ``assignee_id: null``, puts it in the team's queue.
    """

    title: str = unchanged(min_length=1, max_length=200)
    description: LongText = unchanged()
    kind: Kind = unchanged()
    category_id: Id | None = None
    custom_fields: dict[str, Any] = unchanged()
    site_id: Id | None = None
    tags: list[Tag] = unchanged(max_length=TAGS_MAX)
    watcher_ids: list[Id] = unchanged()
    impact: Impact = unchanged()
    urgency: Urgency = unchanged()
    priority: Priority = unchanged()
    priority_reason: LongText = ""
    team_id: Id | None = None
    assignee_id: Id | None = None


class TicketTransitionIn(Input):
    state: State
    reason: LongText = ""


class TicketResolveIn(Input):
    resolution_code: ResolutionCode
    solution: LongText


class TicketReopenIn(Input):
    reason: LongText


class TicketEscalateIn(Input):
    reason: LongText
    team_id: Id | None = Field(None, description="Default: the next level's team serving the client.")
    level: int | None = Field(
        None, ge=1, le=3, description="A level above the ticket's (its first team serving the client)."
    )


class TicketHandBackIn(Input):
    reason: LongText = Field(description="Mandatory: why the ticket goes back down (kept in the timeline).")
    team_id: Id | None = Field(None, description="Default: the team that escalated it, else the level below.")
    level: int | None = Field(None, ge=1, le=3, description="A level below the ticket's.")


class FollowUpCreateIn(Input):
    kind: FollowUpKind = FollowUpKind.REPLY
    body: LongText


class TicketLinkIn(Input):
    target_reference: str = Field(..., max_length=24)
    kind: LinkKind


class TicketMergeIn(Input):
    into_reference: str = Field(..., max_length=24)


# ----------------------------------------------------------------------------------------- outputs


class TicketSummaryOut(Schema):
    """A ticket in a list."""

    reference: str
    title: str
    kind: str
    state: str
    priority: int
    impact: int
    urgency: int
    channel: str
    organisation: OrganisationRef
    requester: PersonRef
    team: TeamRef | None
    assignee: PersonRef | None
    category: CategoryRef | None
    support_level: int
    is_out_of_contract: bool
    first_response_due: datetime | None
    resolution_due: datetime | None
    created_at: datetime
    updated_at: datetime
    tags: list[str]

    @staticmethod
    def resolve_tags(obj: Ticket) -> list[str]:
        return [tag.name for tag in obj.tags.all()]


class TicketListOut(Schema):
    items: list[TicketSummaryOut]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last.")


class SlaPolicyRef(Schema):
    id: int
    name: str


class SlaStatusOut(Schema):
    """Where the ticket stands against its SLA policy (business-time due dates, pause, warnings)."""

    policy: SlaPolicyRef | None
    first_response_due: datetime | None
    first_responded_at: datetime | None
    resolution_due: datetime | None
    paused_since: datetime | None
    is_paused: bool
    first_response_warned_at: datetime | None
    first_response_breached_at: datetime | None
    resolution_warned_at: datetime | None
    resolution_breached_at: datetime | None
    is_first_response_warned: bool
    is_first_response_breached: bool
    is_resolution_warned: bool
    is_resolution_breached: bool


class ClockSegmentOut(Schema):
    kind: str  # running, paused, stopped
    start: datetime
    end: datetime | None  # None: still going on


class ClockBreachOut(Schema):
    target: str  # first_response, resolution
    at: datetime


class SlaClockOut(Schema):
    """The SLA clock's reading now and its timeline: when it ran, paused, stopped, and what was missed.

    Times are business time of the policy's calendar. A remaining time is the target minus the time
    elapsed: negative once the target is exceeded (how late the ticket is). A due date already passed
    stays shown while the clock is paused or stopped; ``resolution_overdue`` then says it was missed.
    """

    state: Literal["running", "paused", "stopped"]
    started_at: datetime = Field(description="When the clocks started: the ticket's creation.")
    first_response_due: datetime | None
    first_response_warning_at: datetime | None
    first_response_elapsed_seconds: float | None
    first_response_remaining_seconds: float | None = Field(description="Negative: late by that much.")
    resolution_started_at: datetime = Field(description="Start of the current cycle (creation or reset).")
    resolution_due: datetime | None
    resolution_overdue: bool
    resolution_warning_at: datetime | None
    resolution_elapsed_seconds: float | None
    resolution_remaining_seconds: float | None = Field(description="Negative: late by that much.")
    paused_since: datetime | None
    timeline: list[ClockSegmentOut]
    breaches: list[ClockBreachOut]


class ContractRef(Schema):
    id: int
    name: str
    reference: str


class SiteRef(Schema):
    id: int
    name: str


class FollowUpOut(Schema):
    id: int
    kind: str
    body: str
    author: PersonRef | None
    channel: str
    created_at: datetime


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int
    is_internal: bool
    followup_id: int | None
    created_at: datetime
    download_url: str

    @staticmethod
    def resolve_download_url(obj: Attachment) -> str:
        reference = getattr(obj, "ticket_reference", None) or obj.ticket.reference
        return reverse(
            "api:ticket_attachment_download", kwargs={"reference": reference, "attachment_id": obj.pk}
        )


class LinkedTicketOut(Schema):
    reference: str
    title: str
    state: str


class TicketLinkOut(Schema):
    """``direction`` out: this ticket <kind> the other; in: the other <kind> this ticket."""

    kind: str
    direction: Literal["out", "in"]
    ticket: LinkedTicketOut


class TicketOut(TicketSummaryOut):
    """A ticket with everything the caller may see of it."""

    description: str
    site: SiteRef | None
    contract: ContractRef | None
    out_of_contract_reason: str
    custom_fields: dict[str, Any]
    is_priority_overridden: bool
    sla: SlaStatusOut
    resolution_code: str
    solution: LongText
    resolved_at: datetime | None
    closed_at: datetime | None
    merged_into: str | None
    followups: list[FollowUpOut]
    attachments: list[AttachmentOut]
    links: list[TicketLinkOut]

    @staticmethod
    def resolve_sla(obj: Ticket) -> dict[str, Any]:
        return {
            "policy": obj.sla_policy,
            "first_response_due": obj.first_response_due,
            "first_responded_at": obj.first_responded_at,
            "resolution_due": obj.resolution_due,
            "paused_since": obj.sla_paused_since,
            "is_paused": obj.sla_paused_since is not None,
            "first_response_warned_at": obj.first_response_warned_at,
            "first_response_breached_at": obj.first_response_breached_at,
            "resolution_warned_at": obj.resolution_warned_at,
            "resolution_breached_at": obj.resolution_breached_at,
            "is_first_response_warned": obj.first_response_warned_at is not None,
            "is_first_response_breached": obj.first_response_breached_at is not None,
            "is_resolution_warned": obj.resolution_warned_at is not None,
            "is_resolution_breached": obj.resolution_breached_at is not None,
        }

    @staticmethod
    def resolve_merged_into(obj: Ticket) -> str | None:
        return obj.merged_into.reference if obj.merged_into is not None else None

    @staticmethod
    def resolve_followups(obj: Ticket) -> list[Any]:
        return list(getattr(obj, "visible_followups", []))

    @staticmethod
    def resolve_attachments(obj: Ticket) -> list[Any]:
        return list(getattr(obj, "visible_attachments", []))

    @staticmethod
    def resolve_links(obj: Ticket) -> list[Any]:
        return list(getattr(obj, "visible_links", []))


class TicketBatchOut(Schema):
    """The tickets logged by a batch, in the order of its items."""

    items: list[TicketOut]
