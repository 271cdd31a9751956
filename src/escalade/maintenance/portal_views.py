"""The client manager's maintenance page in the portal (read-only): the company's plans, the compliance
of the last 12 months, the coming checks, the renewals, and the company's iCal feed address."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from escalade import authz
from escalade.accounts.models import Role, User
from escalade.core.actors import Actor
from escalade.core.http import client_ip
from escalade.maintenance import feeds, selectors, services
from escalade.maintenance.models import MaintenanceOccurrence, MaintenancePlan


def is_client_manager(user: authz.AnyUser) -> bool:
    return authz.signed_in(user) and isinstance(user, User) and user.role == Role.CLIENT_MANAGER


managers_only = authz.require(is_client_manager)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@managers_only
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    organisation = user.organisation
    now = timezone.now()
    ids = frozenset({organisation.pk})
    context = {
        "organisation": organisation,
        "plans": list(
            MaintenancePlan.objects.filter(organisation=organisation, is_active=True).order_by("name")
        ),
        "compliance": selectors.compliance(organisation_ids=ids, start=now - dt.timedelta(days=365), end=now),
        "upcoming": selectors.upcoming(
            occurrences=MaintenanceOccurrence.objects.filter(organisation=organisation)
        ),
        "recent": list(
            MaintenanceOccurrence.objects.filter(organisation=organisation, scheduled_for__lt=now)
            .select_related("plan", "ticket", "incident")
            .order_by("-scheduled_for", "-id")[:20]
        ),
        "months": selectors.forecast(organisation_ids=ids),
        "feed_url": feeds.feed_url(organisation=organisation),
    }
    return render(request, "maintenance/portal.html", context)


@managers_only
@require_POST
def feed_rotate(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    actor = Actor.of(user, source_ip=client_ip(request))
    services.feed_key_rotate(actor=actor, organisation=user.organisation)
    messages.success(request, _("New calendar address: the previous one no longer works."))
    return redirect("maintenance_portal:overview")
