"""Reads of the core app: the event log and the system's health."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from escalade.core.models import Event, WorkerHeartbeat

EVENT_PAGE_SIZE = 50


@dataclass(frozen=True, kw_only=True)
class EventFilters:
    """What the audit view can narrow the log by."""

    action: str = ""
    actor: str = ""
    object_type: str = ""
    organisation_id: int | None = None


def event_page(
    *, events: QuerySet[Event], filters: EventFilters, before_id: int | None = None
) -> tuple[list[Event], int | None]:
    """One page of ``events`` (already scoped by authz), newest first, with keyset pagination on id.

    Returns the events and the id to pass as ``before_id`` for the next page (None at the end).
    """
    if filters.action:
        events = events.filter(action__startswith=filters.action)
    if filters.actor:
        events = events.filter(actor_label__icontains=filters.actor)
    if filters.object_type:
        events = events.filter(content_type__model=filters.object_type)
    if filters.organisation_id:
        events = events.filter(organisation_id=filters.organisation_id)
    if before_id:
        events = events.filter(id__lt=before_id)
    page = list(events.select_related("content_type", "organisation").order_by("-id")[: EVENT_PAGE_SIZE + 1])
    next_before = page[EVENT_PAGE_SIZE - 1].pk if len(page) > EVENT_PAGE_SIZE else None
    return page[:EVENT_PAGE_SIZE], next_before


def events_for_object(*, content_type_id: int, object_id: int) -> QuerySet[Event]:
    """The timeline of one object, oldest first (served by ``event_object_idx``)."""
    return Event.objects.filter(content_type_id=content_type_id, object_id=object_id).order_by("id")


def database_health() -> dict[str, Any]:
    """Whether the database answers a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy", reported as text
        return {"ok": False, "vendor": connection.vendor, "error": str(error)}
    return {"ok": True, "vendor": connection.vendor}


def queue_health() -> dict[str, Any]:
    """Whether the task queue's storage answers, and how many tasks wait in it."""
    from huey.contrib.djhuey import HUEY  # noqa: PLC0415 - the queue is built from settings on import

    backend = type(HUEY).__name__
    try:
        pending = HUEY.pending_count()
    except Exception as error:  # noqa: BLE001 - any failure means "not healthy", reported as text
        return {"ok": False, "backend": backend, "error": str(error)}
    return {"ok": True, "backend": backend, "pending": pending, "immediate": HUEY.immediate}


def worker_health() -> dict[str, Any]:
    """When a background worker last ran a task (None if never)."""
    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    if latest is None:
        return {"last_seen": None, "age_seconds": None, "worker": None}
    age = (timezone.now() - latest.last_seen).total_seconds()
    return {
        "last_seen": latest.last_seen.isoformat(),
        "age_seconds": round(age, 1),
        "worker": latest.worker,
    }
