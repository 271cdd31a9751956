"""Core pages: home, the audit log, and ``/health``."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from escalade import __version__, authz
from escalade.core.http import HtmxHttpRequest
from escalade.core.selectors import (
    EventFilters,
    database_health,
    event_page,
    queue_health,
    worker_health,
)


@authz.require(authz.signed_in)
def home(request: HttpRequest) -> HttpResponse:
    """The landing page after sign-in: supervisors and administrators go to the dashboard, agents to
    their queues, everyone else to the portal."""
    if authz.can_view_reports(request.user):
        return redirect("reports:dashboard")
    return redirect("workspace:queue" if authz.is_provider_staff(request.user) else "portal:my_tickets")


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@authz.require(authz.can_view_audit_log)
def audit_log(request: HtmxHttpRequest) -> HttpResponse:
    """The event log for administrators: filters, newest first, "load more" by keyset (htmx)."""
    filters = EventFilters(
        action=request.GET.get("action", "").strip(),
        actor=request.GET.get("actor", "").strip(),
        object_type=request.GET.get("object_type", "").strip(),
        organisation_id=_int_or_none(request.GET.get("organisation")),
    )
    events, next_before = event_page(
        events=authz.events_visible_to(request.user),
        filters=filters,
        before_id=_int_or_none(request.GET.get("before")),
    )
    query = request.GET.copy()
    query.pop("before", None)
    context = {
        "events": events,
        "next_before": next_before,
        "filters": filters,
        "query": query.urlencode(),
        "object_types": ContentType.objects.filter(app_label__in=("orgs", "accounts", "core"))
        .order_by("model")
        .values_list("model", flat=True),
        "organisations": authz.organisations_visible_to(request.user).only("pk", "name"),
    }
    template = "core/audit_rows.html" if request.htmx and request.GET.get("before") else "core/audit.html"
    return render(request, template, context)


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers and monitoring: database and queue, as JSON.

    200 when the database and the queue answer, 503 otherwise. The worker's last heartbeat is reported
    but does not fail the check (workers may run elsewhere and be restarted independently).
    """
    database = database_health()
    queue = queue_health()
    healthy = database["ok"] and queue["ok"]
    payload = {
        "status": "ok" if healthy else "error",
        "version": __version__,
        "database": database,
        "queue": queue,
        "worker": worker_health() if database["ok"] else None,
    }
    return JsonResponse(payload, status=200 if healthy else 503)
