"""The client manager's pages of the portal: the company's tickets, contracts, hours and billable time;
the approval of requests outside the contract; the month's export."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from escalade import authz
from escalade.accounts.models import Role, User
from escalade.contracts.intake import out_of_contract_approve, out_of_contract_refuse
from escalade.contracts.models import Contract, OutOfContractDecision
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.core.http import client_ip
from escalade.orgs.models import Organisation
from escalade.tickets.choices import OPEN_STATES
from escalade.timetracking.exports import month_csv, month_xlsx
from escalade.timetracking.forms import MonthForm
from escalade.timetracking.selectors import billable_entries, consumption, month_bounds

RECENT = 20


def is_client_manager(user: authz.AnyUser) -> bool:
    return authz.signed_in(user) and isinstance(user, User) and user.role == Role.CLIENT_MANAGER


managers_only = authz.require(is_client_manager)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@managers_only
@require_GET
def account(request: HttpRequest) -> HttpResponse:
    """The company's open and recent tickets, contracts, hour packages of the month, billable entries."""
    user = _user(request)
    organisation = user.organisation
    start, end = month_bounds(MonthForm(request.GET).month_start())
    tickets = authz.tickets_visible_to(user).select_related("requester").order_by("-id")
    pending = OutOfContractDecision.objects.filter(
        ticket__organisation=organisation, approval=OutOfContractDecision.Approval.PENDING
    ).select_related("ticket")
    context = {
        "organisation": organisation,
        "month": start,
        "previous_month": (start - dt.timedelta(days=1)).strftime("%Y-%m"),
        "open_tickets": list(tickets.filter(state__in=OPEN_STATES)[:RECENT]),
        "recent_tickets": list(tickets.exclude(state__in=OPEN_STATES)[:RECENT]),
        "contracts": list(
            Contract.objects.filter(organisation=organisation, is_active=True).prefetch_related("categories")
        ),
        "packages": consumption(organisation=organisation, period_start=start, period_end=end),
        "entries": list(
            billable_entries(entries=authz.time_entries_visible_to(user), period_start=start, period_end=end)[
                :500
            ]
        ),
        "pending": list(pending),
    }
    return render(request, "timetracking/account.html", context)


@managers_only
@require_POST
def approve(request: HttpRequest, reference: str) -> HttpResponse:
    """Approve a request outside the contract (an audit event on the ticket)."""
    return _answer(request, reference, approve=True)


@managers_only
@require_POST
def refuse(request: HttpRequest, reference: str) -> HttpResponse:
    """Refuse a request outside the contract (an audit event on the ticket)."""
    return _answer(request, reference, approve=False)


def _answer(request: HttpRequest, reference: str, *, approve: bool) -> HttpResponse:
    user = _user(request)
    ticket = authz.tickets_visible_to(user).filter(reference=reference).first()
    if ticket is None:
        raise Http404
    service = out_of_contract_approve if approve else out_of_contract_refuse
    try:
        service(actor=Actor.of(user, source_ip=client_ip(request)), ticket=ticket)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        done = _("Request %(reference)s approved.") if approve else _("Request %(reference)s refused.")
        messages.success(request, done % {"reference": reference})
    return redirect("timetracking_portal:account")


@managers_only
@require_GET
def export(request: HttpRequest, extension: str) -> HttpResponse:
    """The month's consumption and billable entries of the manager's company (CSV or XLSX)."""
    user = _user(request)
    return month_export(request, user, user.organisation, extension)


def month_export(
    request: HttpRequest, user: User, organisation: Organisation, extension: str
) -> HttpResponse:
    """The CSV or XLSX answer for one organisation's month (the desk and the portal share it)."""
    if extension not in {"csv", "xlsx"}:
        raise Http404
    start, end = month_bounds(MonthForm(request.GET).month_start())
    entries = authz.time_entries_visible_to(user).filter(organisation=organisation)
    name = f"{organisation.slug}-{start:%Y-%m}"
    if extension == "csv":
        body: str | bytes = month_csv(organisation=organisation, entries=entries, start=start, end=end)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        body = month_xlsx(organisation=organisation, entries=entries, start=start, end=end)
        response = HttpResponse(
            body, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'
    return response
