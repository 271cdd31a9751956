"""The desk's dashboard (/desk/reports/dashboard/) and reports (/desk/reports/), with CSV and XLSX
exports. Thin: the figures come from ``dashboard``, ``content`` and ``selectors``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from escalade import authz
from escalade.accounts.models import User
from escalade.reports.content import report_content
from escalade.reports.dashboard import dashboard_for
from escalade.reports.exports import export_csv, export_xlsx
from escalade.reports.forms import ReportFilterForm
from escalade.reports.selectors import ReportFilters, daily_series

staff_only = authz.require(authz.is_provider_staff)
reporters_only = authz.require(authz.can_view_reports)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@staff_only
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """The supervisor's home: the desk now; an agent sees their own part."""
    return render(request, "reports/dashboard.html", {"board": dashboard_for(user=_user(request))})


def filters_from(form: ReportFilterForm, visible: frozenset[int]) -> ReportFilters:
    data = form.cleaned_data
    organisation = data.get("organisation")
    ids = frozenset({organisation.pk}) & visible if organisation is not None else visible
    return ReportFilters(
        start=data["start"], end=data["end"], organisation_ids=ids,
        team_id=data["team"].pk if data.get("team") else None,
        agent_id=data["agent"].pk if data.get("agent") else None,
        category_id=data["category"].pk if data.get("category") else None,
        channel=data.get("channel") or "",
    )  # fmt: skip


@reporters_only
@require_GET
def reports(request: HttpRequest) -> HttpResponse:
    """The reports of a period with filters; ``?export=csv`` or ``xlsx`` downloads every table."""
    user = _user(request)
    organisations = authz.organisations_visible_to(user).order_by("name")
    form = ReportFilterForm(request.GET or None, organisations=organisations)
    if request.GET and not form.is_valid():
        return render(request, "reports/reports.html", {"form": form}, status=400)
    if not request.GET:
        form = ReportFilterForm({}, organisations=organisations)
        form.is_valid()
    visible = frozenset(organisations.values_list("pk", flat=True))
    filters = filters_from(form, visible)
    content = report_content(filters=filters)
    export = request.GET.get("export", "")
    filename = f"escalade-report-{filters.start:%Y%m%d}-{filters.end:%Y%m%d}"
    if export == "csv":
        return export_csv(content.all_tables, filename=filename)
    if export == "xlsx":
        return export_xlsx(content.all_tables, filename=filename)
    query = request.GET.copy()
    query.pop("export", None)
    context: dict[str, Any] = {
        "form": form, "content": content, "query": query.urlencode(),
        "days": sorted(daily_series(filters=filters).items()),
    }  # fmt: skip
    return render(request, "reports/reports.html", context)
