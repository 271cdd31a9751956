"""Desk pages of preventive maintenance: plans (supervisors), the checklist of an occurrence (agents),
the month calendar, the renewals forecast, and the agent's iCal feed; the public feed address."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalade import authz
from escalade.accounts.models import Team, User
from escalade.core.errors import DomainError
from escalade.core.forms import form_error
from escalade.maintenance import feeds, renewals, selectors, services
from escalade.maintenance.forms import CalendarForm, ChecklistForm, ExpiringItemForm, PlanForm
from escalade.maintenance.models import ExpiringItem
from escalade.orgs.models import Organisation
from escalade.workspace.views import actor_of

staff_only = authz.require(selectors.can_view_maintenance)
managers_only = authz.require(selectors.can_manage_plans)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _organisations(user: User) -> object:
    return Organisation.objects.filter(pk__in=sorted(selectors.organisation_ids_of(user)))


@staff_only
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    plans = selectors.plans_visible_to(_user(request)).select_related("organisation", "team", "agent", "site")
    context = {"plans": list(plans[:500]), "can_manage": selectors.can_manage_plans(request.user)}
    return render(request, "maintenance/plans.html", context)


@managers_only
@require_http_methods(["GET", "POST"])
def plan_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = _user(request)
    plan = get_object_or_404(selectors.plans_visible_to(user), pk=pk) if pk is not None else None
    form = PlanForm(request.POST or None, instance=plan, organisations=_organisations(user))
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.plan_save(actor=actor_of(request), plan=plan, values=form.values())
        except DomainError as error:
            form_error(form, error)  # type: ignore[arg-type]
        else:
            messages.success(request, _("Maintenance plan saved."))
            return redirect("maintenance:plan", pk=saved.pk)
    context = {"form": form, "plan": plan}
    return render(request, "maintenance/plan_form.html", context, status=422 if form.errors else 200)


@staff_only
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_object_or_404(
        selectors.plans_visible_to(_user(request)).select_related("organisation", "team", "agent", "contact"),
        pk=pk,
    )
    occurrences = plan.occurrences.select_related("ticket", "incident").order_by("-scheduled_for")[:50]
    now = timezone.now()
    context = {
        "plan": plan,
        "occurrences": list(occurrences),
        "next_times": services.plan_times(plan, start=now, end=now + dt.timedelta(days=400))[:8],
        "can_manage": selectors.can_manage_plans(request.user),
    }
    return render(request, "maintenance/plan.html", context)


@staff_only
@require_http_methods(["GET", "POST"])
def occurrence_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The checklist: each step answered pass / fail / not applicable, a note, an evidence file."""
    occurrence = get_object_or_404(
        selectors.occurrences_visible_to(_user(request)).select_related(
            "plan", "ticket", "incident", "organisation"
        ),
        pk=pk,
    )
    answers = list(occurrence.answers.select_related("evidence").order_by("position"))
    form = ChecklistForm(request.POST or None, request.FILES or None, answers=answers)
    if request.method == "POST" and form.is_valid():
        inputs = [
            services.StepInput(
                position=answer.position,
                outcome=form.cleaned_data[f"outcome_{answer.position}"],
                note=form.cleaned_data[f"note_{answer.position}"],
                evidence=form.cleaned_data[f"evidence_{answer.position}"],
                evidence_name=getattr(form.cleaned_data[f"evidence_{answer.position}"], "name", ""),
            )
            for answer in answers
        ]
        try:
            services.checklist_submit(
                actor=actor_of(request),
                occurrence=occurrence,
                answers=inputs,
                complete="complete" in request.POST,
            )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Checklist saved."))
            return redirect("maintenance:occurrence", pk=occurrence.pk)
    context = {"occurrence": occurrence, "form": form}
    return render(request, "maintenance/occurrence.html", context, status=422 if form.errors else 200)


def _shift(month: dt.date, months: int) -> str:
    shifted = month + dt.timedelta(days=32) if months > 0 else month - dt.timedelta(days=1)
    return shifted.replace(day=1).strftime("%Y-%m")


@staff_only
@require_GET
def month_calendar(request: HttpRequest) -> HttpResponse:
    """The month's occurrences, per client, team or agent."""
    user = _user(request)
    form = CalendarForm(request.GET)
    month = form.month_start(timezone.localdate())
    chosen = form.cleaned_data if form.is_valid() else {}
    wanted = selectors.CalendarFilter(
        organisation_id=chosen.get("organisation"), team_id=chosen.get("team"), agent_id=chosen.get("agent")
    )
    occurrences = wanted.apply(selectors.occurrences_visible_to(user))
    context = {
        "month": month,
        "previous": _shift(month, -1),
        "next": _shift(month, 1),
        "weeks": selectors.month_grid(
            occurrences=occurrences, month=month, time_zone=user.time_zone or "Europe/Paris"
        ),
        "organisations": _organisations(user),
        "teams": Team.objects.filter(is_active=True).order_by("name"),
        "agents": User.objects.filter(is_active=True, organisation__kind=Organisation.Kind.PROVIDER).order_by(
            "full_name"
        ),
        "chosen": chosen,
        "feed_url": feeds.feed_url(user=user),
    }
    return render(request, "maintenance/calendar.html", context)


@staff_only
@require_POST
def feed_rotate(request: HttpRequest) -> HttpResponse:
    services.feed_key_rotate(actor=actor_of(request), user=_user(request))
    messages.success(request, _("New calendar address: the previous one no longer works."))
    return redirect("maintenance:calendar")


@staff_only
@require_http_methods(["GET", "POST"])
def renewals_forecast(request: HttpRequest) -> HttpResponse:
    """The next 12 months of renewals, and a form for the items entered by hand."""
    user = _user(request)
    ids = selectors.organisation_ids_of(user)
    form = ExpiringItemForm(request.POST or None, organisations=_organisations(user))
    if request.method == "POST" and form.is_valid():
        try:
            renewals.expiring_item_save(actor=actor_of(request), values=form.cleaned_data)
        except DomainError as error:
            form_error(form, error)  # type: ignore[arg-type]
        else:
            messages.success(request, _("Item saved."))
            return redirect("maintenance:renewals")
    context = {"months": selectors.forecast(organisation_ids=ids), "form": form}
    return render(request, "maintenance/renewals.html", context, status=422 if form.errors else 200)


@staff_only
@require_POST
def renewal_ticket(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    item = get_object_or_404(
        ExpiringItem.objects.filter(organisation_id__in=sorted(selectors.organisation_ids_of(user))), pk=pk
    )
    try:
        ticket = renewals.renewal_ticket_create(actor=actor_of(request), item=item)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("maintenance:renewals")
    messages.success(request, _("Renewal ticket %(reference)s created.") % {"reference": ticket.reference})
    return redirect("maintenance:renewals")


@require_GET
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The iCal feed a signed, unrevoked address names (the address is the credential)."""
    owner = feeds.feed_owner(token)
    if owner is None:
        raise Http404
    return HttpResponse(feeds.feed_body(owner), content_type="text/calendar; charset=utf-8")
