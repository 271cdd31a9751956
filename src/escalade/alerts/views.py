"""Alert intake endpoints (token in the path or ``Authorization: Bearer``) and the desk pages:
alert sources with their tokens (administrators) and the triage queue (supervisors)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalade import authz
from escalade.alerts import selectors, services
from escalade.alerts.models import Alert, AlertSource
from escalade.alerts.normalise import MalformedPayload
from escalade.core.errors import DomainError
from escalade.core.forms import form_error
from escalade.orgs.models import Organisation
from escalade.workspace.views import actor_of


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"message": message}, status=status)


def _bearer(request: HttpRequest) -> str:
    scheme, _space, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


@csrf_exempt
@require_POST
def intake(request: HttpRequest, token: str = "") -> HttpResponse:
    """Receive one notification of a monitoring system. 200 with what was done; 401 unknown token;
    400 unreadable body (kept for inspection); 413 too large."""
    source = selectors.source_by_token(token=token or _bearer(request))
    if source is None:
        return _error(401, _("Unknown or disabled alert source token."))
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, _("The body is too large."))
    try:
        report = services.alerts_receive(source=source, body=body)
    except MalformedPayload as error:
        return _error(400, str(error))
    return JsonResponse(report.as_dict())


administrators_only = authz.require(authz.can_manage_alert_sources)
triagers_only = authz.require(authz.can_triage_alerts)


@administrators_only
@require_GET
def source_list(request: HttpRequest) -> HttpResponse:
    return render(request, "alerts/sources.html", {"sources": list(selectors.sources_all())})


@administrators_only
@require_GET
def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(AlertSource.objects.select_related("organisation", "requester"), pk=pk)
    intake_url = request.build_absolute_uri(f"/alerts/intake/{source.token}/")
    context = {
        "source": source, "intake_url": intake_url, "rejected": selectors.rejected_of(source=source),
        "alerts": selectors.alerts_of(source=source),
    }  # fmt: skip
    response = render(request, "alerts/source.html", context)
    response["Cache-Control"] = "no-store"
    return response


@administrators_only
@require_POST
def source_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    source = get_object_or_404(AlertSource, pk=pk)
    services.source_token_rotate(actor=actor_of(request), source=source)
    messages.success(request, _("New token: the old one no longer works."))
    return redirect("alerts:source", pk=source.pk)


class TriageForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.CLIENT),
        label=gettext_lazy("Organisation"),
    )


class MaintenanceForm(forms.Form):
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.filter(kind=Organisation.Kind.CLIENT),
        label=gettext_lazy("Organisation"),
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)
    starts_at = forms.DateTimeField(
        label=gettext_lazy("Starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label=gettext_lazy("Ends at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    matchers = forms.CharField(
        label=gettext_lazy("Labels"), required=False, max_length=500,
        help_text=gettext_lazy("name=value pairs, separated by commas (instance=db1:9100); empty: all."),
    )  # fmt: skip

    def clean_matchers(self) -> dict[str, str]:
        pairs = [part.strip() for part in self.cleaned_data["matchers"].split(",") if part.strip()]
        if any("=" not in pair for pair in pairs):
            raise forms.ValidationError(gettext_lazy("Write name=value pairs."))
        return {name.strip(): value.strip() for name, _sep, value in (pair.partition("=") for pair in pairs)}


@triagers_only
@require_http_methods(["GET", "POST"])
def maintenance(request: HttpRequest) -> HttpResponse:
    """Maintenance windows: the current and coming ones, and a form to add one."""
    form = MaintenanceForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.maintenance_create(actor=actor_of(request), **form.cleaned_data)
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Maintenance window saved: its alerts are silenced."))
            return redirect("alerts:maintenance")
    context = {"windows": selectors.maintenance_current(), "form": form}
    return render(request, "alerts/maintenance.html", context, status=422 if form.errors else 200)


def _before(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@triagers_only
@require_GET
def triage_list(request: HttpRequest) -> HttpResponse:
    alerts = selectors.triage_queue(before=_before(request))
    more = alerts[-1].pk if len(alerts) == selectors.PAGE_SIZE else None
    return render(request, "alerts/triage.html", {"alerts": alerts, "form": TriageForm(), "more": more})


@triagers_only
@require_http_methods(["POST"])
def triage_file(request: HttpRequest, pk: int) -> HttpResponse:
    alert = get_object_or_404(Alert, pk=pk)
    form = TriageForm(request.POST)
    if form.is_valid():
        try:
            alert = services.alert_triage(
                actor=actor_of(request), alert=alert, organisation=form.cleaned_data["organisation"]
            )
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Incident opened for this alert."))
    else:
        messages.error(request, _("Choose an organisation."))
    return redirect("alerts:triage")
