"""Reads of tickets: the timeline a person may see (conversation interleaved with events)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from escalade import authz
from escalade.accounts.models import User
from escalade.core.models import Event
from escalade.tickets.models import Attachment, FollowUp, Ticket
from escalade.tickets.timeline import Names, describe_changes

# Events a requester may see on their ticket; everything else (notes, assignment, SLA flags) is internal.
PUBLIC_ACTIONS = frozenset(
    {
        "ticket.created",
        "ticket.resolved",
        "ticket.reopened",
        "ticket.closed",
        "ticket.merged",
        "ticket.merged_from",
    }
)


@dataclass(frozen=True)
class TimelineEntry:
    """One line of the ticket's history: a follow-up or an event."""

    at: datetime
    followup: FollowUp | None = None
    event: Event | None = None


def followups_visible(*, ticket: Ticket, viewer: User) -> QuerySet[FollowUp]:
    """The follow-ups ``viewer`` may read: requesters never get internal notes."""
    followups = ticket.followups.select_related("author").order_by("id")
    if not authz.is_provider_staff(viewer):
        followups = followups.filter(kind="reply")
    return followups


def attachments_visible(*, ticket: Ticket, viewer: User) -> QuerySet[Attachment]:
    attachments = ticket.attachments.order_by("id")
    if not authz.is_provider_staff(viewer):
        attachments = attachments.filter(is_internal=False).exclude(followup__kind="note")
    return attachments


def ticket_timeline(*, ticket: Ticket, viewer: User) -> list[TimelineEntry]:
    """The conversation and the ticket's events in time order, filtered for ``viewer``."""
    events = Event.objects.filter(
        content_type=ContentType.objects.get_for_model(Ticket), object_id=ticket.pk
    ).order_by("id")
    if not authz.is_provider_staff(viewer):
        events = events.filter(action__in=PUBLIC_ACTIONS)
    entries = [
        TimelineEntry(at=f.created_at, followup=f) for f in followups_visible(ticket=ticket, viewer=viewer)
    ]
    entries += [TimelineEntry(at=e.occurred_at, event=e) for e in events]
    return sorted(entries, key=lambda entry: (entry.at, entry.event is None))


EVENT_LABELS: dict[str, Promise] = {
    "ticket.created": _("Ticket created"),
    "ticket.assigned": _("Assigned"),
    "ticket.state_changed": _("State changed"),
    "ticket.escalated": _("Escalated"),
    "ticket.handed_back": _("Handed back"),
    "ticket.resolved": _("Resolved"),
    "ticket.reopened": _("Reopened"),
    "ticket.closed": _("Closed"),
    "ticket.updated": _("Details changed"),
    "ticket.priority_changed": _("Priority changed"),
    "ticket.qualified": _("Impact and urgency changed"),
    "ticket.linked": _("Linked"),
    "ticket.merged": _("Merged"),
    "ticket.merged_from": _("Another ticket merged into this one"),
    "ticket.attachment_added": _("File added"),
    "ticket.phone_call": _("Phone call"),
    "ticket.sla_warning": _("SLA warning"),
    "ticket.sla_breached": _("SLA breached"),
}
HIDDEN_EVENTS = frozenset({"ticket.replied", "ticket.note_added"})
# Labels that depend on the event (other apps register theirs: automation's "Rule “X”: …").
EVENT_DESCRIBERS: dict[str, Callable[[Event], str]] = {}


def describe_event(action: str, describer: Callable[[Event], str]) -> None:
    """Let an app word the timeline line of its ``action`` events (called from its ``ready()``)."""
    EVENT_DESCRIBERS[action] = describer


@dataclass(frozen=True)
class TimelineRow:
    """A line of the ticket page's timeline, ready for the template."""

    at: dt.datetime
    followup: FollowUp | None = None
    event: Event | None = None
    label: str = ""
    actor: str = ""  # who acted, in words (a person's name, "E-mail", "Escalade")
    details: tuple[str, ...] = ()  # what changed, in words ("State: Assigned → In progress")


def timeline_rows(*, ticket: Ticket, viewer: User) -> list[TimelineRow]:
    """The conversation and events for ``viewer`` (requesters never see notes or internal events)."""
    entries = ticket_timeline(ticket=ticket, viewer=viewer)
    staff = authz.is_provider_staff(viewer)  # requesters read the event's label only
    names = Names(entry.event for entry in entries if entry.event is not None and staff)
    rows = []
    for entry in entries:
        if entry.event is not None:
            if entry.event.action in HIDDEN_EVENTS:
                continue
            describer = EVENT_DESCRIBERS.get(entry.event.action)
            label = (
                describer(entry.event)
                if describer
                else str(EVENT_LABELS.get(entry.event.action, entry.event.action))
            )
            rows.append(
                TimelineRow(
                    at=entry.at,
                    event=entry.event,
                    label=label,
                    actor=names.actor(entry.event) if staff else "",
                    details=tuple(describe_changes(entry.event, names)) if staff else (),
                )
            )
        else:
            rows.append(TimelineRow(at=entry.at, followup=entry.followup))
    return rows
