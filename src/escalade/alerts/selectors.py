"""Reads of the alerts app: sources, the triage queue, refused payloads, the timeline's wording."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.alerts.models import Alert, AlertSource, AlertState, MaintenanceWindow, RejectedPayload
from escalade.core.models import Event

ALERT_ACTIONS = (
    "ticket.alert_fired",
    "ticket.alert_repeated",
    "ticket.alert_flapped",
    "ticket.alert_resolved",
)
PAGE_SIZE = 50


def source_by_token(*, token: str) -> AlertSource | None:
    """The active source a token opens (None for an unknown, empty or disabled one)."""
    if not token:
        return None
    return (
        AlertSource.objects.select_related("organisation", "requester")
        .filter(token=token, is_active=True)
        .first()
    )


def sources_all() -> QuerySet[AlertSource]:
    return AlertSource.objects.select_related("organisation").order_by("name", "id")


def triage_queue(*, before: int | None = None) -> list[Alert]:
    """Alerts waiting for someone to say whose they are, newest first (keyset on id)."""
    rows = Alert.objects.filter(state=AlertState.TRIAGE).select_related("source").order_by("-id")
    if before is not None:
        rows = rows.filter(id__lt=before)
    return list(rows[:PAGE_SIZE])


def maintenance_current() -> list[MaintenanceWindow]:
    """Windows not over yet, soonest first."""
    rows = MaintenanceWindow.objects.filter(ends_at__gt=timezone.now()).select_related("organisation")
    return list(rows.order_by("starts_at", "id")[:PAGE_SIZE])


def rejected_of(*, source: AlertSource) -> list[RejectedPayload]:
    return list(RejectedPayload.objects.filter(source=source).order_by("-id")[:20])


def alerts_of(*, source: AlertSource) -> list[Alert]:
    return list(Alert.objects.filter(source=source).select_related("ticket").order_by("-id")[:PAGE_SIZE])


def alert_event_label(event: Event) -> str:
    """The timeline's line for a ``ticket.alert_*`` event, in the reader's language."""
    data = event.data
    values = {
        "title": data.get("title", ""),
        "count": data.get("occurrences", 1),
        "flaps": data.get("flaps", 0),
    }
    if event.action == "ticket.alert_fired":
        return _("Alert “%(title)s” fired") % values
    if event.action == "ticket.alert_repeated":
        return _("Alert “%(title)s” fired again (%(count)s times)") % values
    if event.action == "ticket.alert_flapped":
        return _("Alert “%(title)s” is flapping (%(flaps)s flaps)") % values
    return _("Alert “%(title)s” resolved") % values
