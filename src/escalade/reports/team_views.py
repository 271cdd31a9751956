"""The desk's team page (/desk/reports/team/): supervisors and administrators plan absences and set
capacities per agent; an agent sees their own absences and capacity."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.core.forms import form_error
from escalade.core.http import client_ip
from escalade.reports.models import Capacity
from escalade.reports.team import (
    absence_create,
    absence_delete,
    absences_of,
    agents,
    can_manage_team,
    capacity_set,
)

staff_only = authz.require(authz.is_provider_staff)
managers_only = authz.require(can_manage_team)


class AbsenceForm(forms.Form):
    agent = forms.ModelChoiceField(queryset=User.objects.none(), label=gettext_lazy("Agent"))
    starts_on = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=gettext_lazy("To (included)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents()  # type: ignore[attr-defined]


class CapacityForm(forms.Form):
    agent = forms.ModelChoiceField(queryset=User.objects.none(), label=gettext_lazy("Agent"))
    open_tickets = forms.IntegerField(label=gettext_lazy("Open tickets"), min_value=0, max_value=1000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agent"].queryset = agents()  # type: ignore[attr-defined]


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _actor(request: HttpRequest) -> Actor:
    return Actor.of(_user(request), source_ip=client_ip(request))


@staff_only
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    """Absences from today on and capacities; the forms for those who manage them."""
    user = _user(request)
    manager = can_manage_team(user)
    absence_form = AbsenceForm(request.POST if request.POST.get("form") == "absence" else None)
    capacity_form = CapacityForm(request.POST if request.POST.get("form") == "capacity" else None)
    if request.method == "POST":
        if not manager:
            return HttpResponse(status=403)
        if _save(request, absence_form, capacity_form):
            return redirect("reports:team")
    people = list(agents()) if manager else [user]
    capacities = dict(
        Capacity.objects.filter(user_id__in=[p.pk for p in people]).values_list("user_id", "open_tickets")
    )
    context = {
        "manager": manager, "absence_form": absence_form, "capacity_form": capacity_form,
        "absences": list(absences_of(user=user, since=timezone.localdate())[:500]),
        "capacities": [(person, capacities.get(person.pk)) for person in people],
    }  # fmt: skip
    failed = absence_form.errors or capacity_form.errors
    return render(request, "reports/team.html", context, status=422 if failed else 200)


def _save(request: HttpRequest, absence_form: AbsenceForm, capacity_form: CapacityForm) -> bool:
    form: forms.Form = absence_form if absence_form.is_bound else capacity_form
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        if form is absence_form:
            absence_create(
                actor=_actor(request), agent=data["agent"], starts_on=data["starts_on"],
                ends_on=data["ends_on"], reason=data["reason"],
            )  # fmt: skip
            messages.success(request, _("Absence planned."))
        else:
            capacity_set(actor=_actor(request), agent=data["agent"], open_tickets=data["open_tickets"])
            messages.success(request, _("Capacity saved."))
    except DomainError as error:
        form_error(form, error)
        return False
    return True


@managers_only
@require_POST
def absence_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    absence = get_object_or_404(absences_of(user=_user(request), since=timezone.localdate()), pk=pk)
    absence_delete(actor=_actor(request), absence=absence)
    messages.success(request, _("Absence cancelled."))
    return redirect("reports:team")
