"""On-call pages. Public (the signed link is the credential): acknowledge/resolve a page, iCal feeds.
Desk (provider staff): schedules with who is on call now and next, open pages with acknowledge, the
workload report."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.core.forms import form_error
from escalade.oncall import ical, planning, selectors, services
from escalade.oncall.forms import OverrideForm
from escalade.oncall.links import feed_token_read, feed_url, page_token_read
from escalade.oncall.models import Override, Paging, Schedule
from escalade.oncall.rota import shifts_between
from escalade.tickets.choices import OPEN_STATES, ResolutionCode
from escalade.tickets.services import ticket_resolve
from escalade.workspace.views import actor_of

staff_only = authz.require(authz.can_view_oncall)


# ---------------------------------------------------------------- public: signed links


def _paging_of_link(token: str) -> tuple[Paging, User]:
    found = page_token_read(token)
    if found is None:
        raise Http404(_("This link is invalid or has expired."))
    paging = Paging.objects.select_related("ticket").filter(pk=found[0]).first()
    user = User.objects.filter(pk=found[1], is_active=True).first()
    if paging is None or user is None:
        raise Http404(_("This link is invalid or has expired."))
    return paging, user


@require_http_methods(["GET", "POST"])
def page_link(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the incident and two buttons; POST acknowledges or resolves (never on a GET: link
    previews in chat and mail clients must not acknowledge)."""
    paging, user = _paging_of_link(token)
    if request.method == "POST":
        actor = Actor.of(user, source_ip=request.META.get("REMOTE_ADDR"))
        try:
            if request.POST.get("action") == "resolve":
                if paging.ticket.state in OPEN_STATES:
                    ticket_resolve(
                        actor=actor, ticket=paging.ticket, resolution_code=ResolutionCode.SOLVED,
                        solution=request.POST.get("solution", "").strip() or _("Resolved on call."),
                    )  # fmt: skip
                messages.success(request, _("Incident resolved."))
            else:
                services.paging_acknowledge(actor=actor, paging=paging)
                messages.success(request, _("Page acknowledged: escalation stopped."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect(request.path)
    paging.refresh_from_db()
    return render(
        request, "oncall/page_link.html", {"paging": paging, "ticket": paging.ticket, "person": user}
    )


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCal feed a signed address names: a person's shifts or a rota."""
    found = feed_token_read(token)
    if found is None:
        raise Http404
    kind, pk = found
    if kind == "user":
        body = ical.person_feed(user=get_object_or_404(User, pk=pk, is_active=True))
    else:
        body = ical.schedule_feed(schedule=get_object_or_404(Schedule, pk=pk))
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")


# ---------------------------------------------------------------- desk


@staff_only
@require_GET
def schedule_list(request: HttpRequest) -> HttpResponse:
    assert isinstance(request.user, User)
    context = {
        "rows": selectors.on_call_now(), "my_feed": feed_url(kind="user", pk=request.user.pk),
    }  # fmt: skip
    return render(request, "oncall/schedules.html", context)


@staff_only
@require_GET
def schedule_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _schedule_page(request, get_object_or_404(Schedule, pk=pk), OverrideForm())


def _schedule_page(
    request: HttpRequest, schedule: Schedule, form: OverrideForm, status: int = 200
) -> HttpResponse:
    now = timezone.now()
    end = now + dt.timedelta(days=14)
    shifts = shifts_between(selectors.rota_of(schedule=schedule, start=now, end=end), now, end)
    context = {
        "schedule": schedule, "shifts": shifts, "feed": feed_url(kind="schedule", pk=schedule.pk),
        "can_plan": authz.can_plan_oncall(request.user), "form": form,
        "overrides": schedule.overrides.filter(ends_at__gt=now).select_related("user").order_by("starts_at"),
    }  # fmt: skip
    return render(request, "oncall/schedule.html", context, status=status)


@authz.require(authz.can_plan_oncall)
@require_POST
def override_add(request: HttpRequest, pk: int) -> HttpResponse:
    """A supervisor swaps a shift: someone is on call instead for a period."""
    schedule = get_object_or_404(Schedule, pk=pk)
    form = OverrideForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            planning.override_create(
                actor=actor_of(request), schedule=schedule, user=data["user"], starts_at=data["starts_at"],
                ends_at=data["ends_at"], reason=data["reason"],
            )  # fmt: skip
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Shift swapped."))
            return redirect("oncall:schedule", pk=schedule.pk)
    return _schedule_page(request, schedule, form, status=422)


@authz.require(authz.can_plan_oncall)
@require_POST
def override_remove(request: HttpRequest, pk: int) -> HttpResponse:
    override = get_object_or_404(Override, pk=pk)
    planning.override_delete(actor=actor_of(request), override=override)
    messages.success(request, _("Swapped shift removed."))
    return redirect("oncall:schedule", pk=override.schedule_id)


@staff_only
@require_GET
def paging_list(request: HttpRequest) -> HttpResponse:
    visible = authz.tickets_visible_to(request.user).values("pk")
    pagings = list(selectors.pagings_open().filter(ticket__in=visible)[:100])
    return render(request, "oncall/pagings.html", {"pagings": pagings})


@staff_only
@require_POST
def paging_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    paging = get_object_or_404(
        Paging.objects.filter(ticket__in=authz.tickets_visible_to(request.user)), pk=pk
    )
    try:
        services.paging_acknowledge(actor=actor_of(request), paging=paging)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Page acknowledged: escalation stopped."))
    return redirect("oncall:pagings")


def _month(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(f"{value}-01")
    except ValueError:
        return timezone.localdate().replace(day=1)


@staff_only
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """Pages per person and per night, time to acknowledge, for one month (``?month=2026-11``)."""
    first = _month(request.GET.get("month", ""))
    following = (first + dt.timedelta(days=32)).replace(day=1)
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(12), tzinfo=zone)
    end = dt.datetime.combine(following, dt.time(12), tzinfo=zone)
    loads = selectors.workload(start=start, end=end, time_zone=str(zone))
    return render(request, "oncall/report.html", {"loads": loads, "month": first})
