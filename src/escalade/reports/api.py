"""Reporting endpoints (ADR 0021): the dashboard's figures (staff), a period's report figures with the
desk's filters, the sent monthly client reports and their PDF. A client manager reads their own
organisation's figures and reports only; supervisors and administrators every client's."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from escalade import authz
from escalade.accounts.models import Role, User
from escalade.api.auth import caller
from escalade.core.errors import NotFoundError, PermissionDeniedError, ValidationFailed
from escalade.core.text import BIGINT_MAX
from escalade.reports.dashboard import dashboard_for
from escalade.reports.forms import MAX_PERIOD_DAYS, month_bounds
from escalade.reports.models import MonthlyReport
from escalade.reports.monthly import monthly_pdf
from escalade.reports.selectors import ReportFilters, report_figures
from escalade.tickets.choices import Channel

router = Router(tags=["reports"])
PAGE = 100


class AgentLoadOut(Schema):
    agent_id: int
    name: str
    open_tickets: int
    at_risk: int
    capacity: int
    absent_today: bool


class DashboardOut(Schema):
    by_state: dict[str, int]
    by_level: dict[str, int]
    at_risk: int
    breached: int
    unassigned: int
    intake_today: int
    resolved_today: int
    agents: list[AgentLoadOut]
    is_whole_desk: bool = Field(description="False for an agent: their own part")


class FiguresQuery(Schema):
    start: dt.date | None = Field(None, description="First day (default: the first of this month)")
    end: dt.date | None = Field(None, description="Last day, included (default: the end of this month)")
    organisation_id: int | None = Field(None, description="One client (a client manager: their own)")
    team_id: int | None = None
    agent_id: int | None = None
    category_id: int | None = None
    channel: str = Field("", description="One channel (email, phone, portal…)")


class FiguresOut(Schema):
    start: dt.date
    end: dt.date
    organisation_ids: list[int]
    counters: dict[str, int] = Field(description="Sums of the daily rollups of the period")
    first_response_median_seconds: float | None
    first_response_p90_seconds: float | None
    resolution_median_seconds: float | None
    resolution_p90_seconds: float | None
    first_response_on_time_percent: float | None
    resolution_on_time_percent: float | None
    reopen_rate_percent: float | None
    first_contact_percent: float | None
    csat_average: float | None
    kb_deflections: int


class MonthlyReportOut(Schema):
    id: int
    organisation_id: int
    month: dt.date
    language: str
    sent_at: dt.datetime | None


class MonthlyReportPage(Schema):
    items: list[MonthlyReportOut]
    next_before: int | None = Field(description="Pass as `before` for the next page; null at the end")


def _in_range(value: int | None, *, field: str) -> None:
    if value is not None and not 1 <= value <= BIGINT_MAX:
        raise ValidationFailed(_("This number is out of range."), field=field)


def _readers(user: User) -> frozenset[int]:
    """The organisations whose figures and reports ``user`` reads (403 for the others)."""
    if authz.can_view_reports(user):
        return frozenset(authz.organisations_visible_to(user).values_list("pk", flat=True))
    if user.role == Role.CLIENT_MANAGER and user.is_active:
        return frozenset({user.organisation_id})
    raise PermissionDeniedError(_("Only supervisors, administrators and client managers read reports."))


@router.get("/reports/dashboard", response=DashboardOut, summary="The dashboard's figures (staff)")
def reports_dashboard(request: HttpRequest) -> dict[str, object]:
    user = caller(request)
    if not authz.is_provider_staff(user):
        raise PermissionDeniedError(_("Only the provider's staff may read this."))
    board = dashboard_for(user=user)
    return {
        "by_state": board.by_state, "by_level": {str(k): v for k, v in board.by_level.items()},
        "at_risk": board.at_risk, "breached": board.breached, "unassigned": board.unassigned,
        "intake_today": board.intake_today, "resolved_today": board.resolved_today,
        "is_whole_desk": board.is_whole_desk,
        "agents": [
            {"agent_id": load.agent.pk, "name": str(load.agent),
             "open_tickets": sum(load.by_priority.values()), "at_risk": load.at_risk,
             "capacity": load.capacity, "absent_today": load.absent_today}
            for load in board.agents
        ],
    }  # fmt: skip


@router.get("/reports/figures", response=FiguresOut, summary="A period's report figures (the desk's filters)")
def reports_figures(request: HttpRequest, query: Query[FiguresQuery]) -> dict[str, object]:
    visible = _readers(caller(request))
    for name in ("organisation_id", "team_id", "agent_id", "category_id"):
        _in_range(getattr(query, name), field=name)
    first, last = month_bounds(timezone.localdate())
    start, end = query.start or first, query.end or last
    if end < start:
        raise ValidationFailed(_("The period ends before it starts."), field="end")
    if (end - start).days > MAX_PERIOD_DAYS:
        raise ValidationFailed(_("A report covers at most three years."), field="end")
    if query.channel and query.channel not in Channel.values:
        raise ValidationFailed(_("Unknown channel."), field="channel")
    ids = visible
    if query.organisation_id is not None:
        if query.organisation_id not in visible:
            raise NotFoundError(_("No such client."), field="organisation_id")
        ids = frozenset({query.organisation_id})
    filters = ReportFilters(
        start=start, end=end, organisation_ids=ids, team_id=query.team_id, agent_id=query.agent_id,
        category_id=query.category_id, channel=query.channel,
    )  # fmt: skip
    figures = report_figures(filters=filters)
    return {
        "start": start, "end": end, "organisation_ids": sorted(ids), "counters": figures.counters,
        "first_response_median_seconds": figures.first_response_median,
        "first_response_p90_seconds": figures.first_response_p90,
        "resolution_median_seconds": figures.resolution_median,
        "resolution_p90_seconds": figures.resolution_p90,
        "first_response_on_time_percent": figures.rate("first_response_met", "first_response_with_target"),
        "resolution_on_time_percent": figures.rate("resolution_met", "resolution_with_target"),
        "reopen_rate_percent": figures.rate("reopened", "resolved"),
        "first_contact_percent": figures.rate("first_contact", "resolved"),
        "csat_average": figures.csat_average, "kb_deflections": figures.kb_deflections,
    }  # fmt: skip


def _sent_reports(user: User) -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.filter(organisation_id__in=_readers(user), sent_at__isnull=False)


@router.get("/reports/monthly", response=MonthlyReportPage, summary="Sent monthly client reports")
def monthly_reports(
    request: HttpRequest, before: int | None = None, organisation_id: int | None = None
) -> dict[str, object]:
    _in_range(before, field="before")
    _in_range(organisation_id, field="organisation_id")
    reports = _sent_reports(caller(request)).order_by("-pk")
    if organisation_id is not None:
        reports = reports.filter(organisation_id=organisation_id)
    if before is not None:
        reports = reports.filter(pk__lt=before)
    items = list(reports[: PAGE + 1])
    more = len(items) > PAGE
    items = items[:PAGE]
    return {"items": items, "next_before": items[-1].pk if more else None}


@router.get(
    "/reports/monthly/{report_id}/pdf",
    response={200: None},
    summary="A sent monthly report's PDF (as it was sent)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The PDF, as an attachment.",
                "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def monthly_report_pdf(request: HttpRequest, report_id: int) -> HttpResponse:
    _in_range(report_id, field="report_id")
    report = _sent_reports(caller(request)).select_related("organisation").filter(pk=report_id).first()
    if report is None:
        raise NotFoundError(_("No such report."))
    response = HttpResponse(monthly_pdf(report=report), content_type="application/pdf")
    name = f"{report.organisation.slug}-{report.month:%Y-%m}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
