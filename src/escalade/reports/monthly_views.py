"""Monthly client reports: prepared, edited and sent from the desk (supervisors and administrators);
read in the portal by the client's managers (their own organisation's sent reports only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.csp import CSP
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_GET, require_http_methods

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.reports.models import MonthlyReport
from escalade.reports.monthly import (
    monthly_html,
    monthly_pdf,
    monthly_report_edit,
    monthly_report_prepare,
    monthly_report_send,
)

reporters_only = authz.require(authz.can_view_reports)
client_managers_only = authz.require(authz.can_view_client_reports)
# The report's page carries its own print styles (the same HTML becomes the PDF).
PREVIEW_CSP: dict[str, list[str]] = {
    "default-src": [CSP.NONE], "img-src": ["data:"], "style-src": [CSP.UNSAFE_INLINE],
    "frame-ancestors": [CSP.NONE], "base-uri": [CSP.NONE], "form-action": [CSP.NONE],
}  # fmt: skip


class PrepareForm(forms.Form):
    organisation: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        queryset=MonthlyReport.objects.none(), label=gettext_lazy("Client")
    )
    month = forms.DateField(
        label=gettext_lazy("Month"), widget=forms.DateInput(attrs={"type": "month"}), input_formats=["%Y-%m"]
    )

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]


class EditForm(forms.Form):
    free_text = forms.CharField(
        label=gettext_lazy("Your words to the client"), required=False, max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )  # fmt: skip
    language = forms.ChoiceField(
        label=gettext_lazy("Language"), choices=[("fr", "Français"), ("en", "English")]
    )


def _actor(request: HttpRequest) -> Actor:
    assert isinstance(request.user, User)
    return Actor.of(request.user)


def _clients(request: HttpRequest) -> Any:
    return authz.organisations_visible_to(request.user).filter(kind="client").order_by("name")


@reporters_only
@require_http_methods(["GET", "POST"])
def monthly_list(request: HttpRequest) -> HttpResponse:
    """The reports prepared and sent; a form to prepare one."""
    previous = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    form = PrepareForm(request.POST or None, organisations=_clients(request), initial={"month": previous})
    if request.method == "POST" and form.is_valid():
        report = monthly_report_prepare(
            actor=_actor(request),
            organisation=form.cleaned_data["organisation"],
            month=form.cleaned_data["month"],
        )
        return redirect("reports:monthly", pk=report.pk)
    reports = MonthlyReport.objects.select_related("organisation").order_by("-month", "organisation__name")[
        :200
    ]
    return render(request, "reports/monthly_list.html", {"form": form, "reports": reports})


@reporters_only
@require_http_methods(["GET", "POST"])
def monthly(request: HttpRequest, pk: int) -> HttpResponse:
    """A report: its free text and language (until sent), send it, preview, download."""
    report = get_object_or_404(MonthlyReport.objects.select_related("organisation"), pk=pk)
    form = EditForm(
        request.POST or None, initial={"free_text": report.free_text, "language": report.language}
    )
    if request.method == "POST" and form.is_valid():
        try:
            report = monthly_report_edit(
                actor=_actor(request), report=report, free_text=form.cleaned_data["free_text"],
                language=form.cleaned_data["language"],
            )  # fmt: skip
            if request.POST.get("action") == "send":
                report = monthly_report_send(actor=_actor(request), report=report)
                messages.success(request, _("The report is sent and kept."))
            else:
                messages.success(request, _("Saved."))
        except DomainError as error:
            messages.error(request, error.message)
        return redirect("reports:monthly", pk=report.pk)
    return render(request, "reports/monthly_detail.html", {"report": report, "form": form})


@reporters_only
@require_GET
@csp_override(PREVIEW_CSP)
def monthly_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The report as HTML, exactly what the PDF is made from."""
    report = get_object_or_404(MonthlyReport.objects.select_related("organisation"), pk=pk)
    return HttpResponse(monthly_html(report=report))


def _pdf_response(report: MonthlyReport) -> HttpResponse:
    response = HttpResponse(monthly_pdf(report=report), content_type="application/pdf")
    name = f"{report.organisation.slug}-{report.month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@reporters_only
@require_GET
def monthly_pdf_download(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_object_or_404(MonthlyReport.objects.select_related("organisation"), pk=pk)
    return _pdf_response(report)


def _client_reports(request: HttpRequest) -> Any:
    assert isinstance(request.user, User)
    return MonthlyReport.objects.select_related("organisation").filter(
        organisation_id=request.user.organisation_id, sent_at__isnull=False
    )


@client_managers_only
@require_GET
def portal_reports(request: HttpRequest) -> HttpResponse:
    """The client manager's sent reports, newest first."""
    return render(
        request, "reports/portal_reports.html", {"reports": _client_reports(request).order_by("-month")}
    )


@client_managers_only
@require_GET
def portal_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A sent report's kept PDF (another client's report is a 404)."""
    return _pdf_response(get_object_or_404(_client_reports(request), pk=pk))
