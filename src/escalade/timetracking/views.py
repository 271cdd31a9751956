"""The time panel of the desk's ticket page: the timer, manual entries, totals."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.contracts.intake import IntakeAssessment, intake_assess
from escalade.core.errors import DomainError
from escalade.core.forms import form_error
from escalade.core.text import row_id
from escalade.tickets.models import Ticket
from escalade.timetracking import selectors, services
from escalade.timetracking.forms import EntryForm, StopForm
from escalade.timetracking.models import TimeEntry
from escalade.timetracking.portal_views import month_export
from escalade.workspace.views import actor_of, staff_only


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _ticket(user: User, reference: str) -> Ticket:
    ticket = authz.tickets_visible_to(user).filter(reference=reference).first()
    if ticket is None:
        raise Http404
    return ticket


def _panel(
    request: HttpRequest,
    ticket: Ticket,
    *,
    entry_form: EntryForm | None = None,
    stop_form: StopForm | None = None,
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    timer = selectors.running_timer(agent=user, ticket=ticket)
    entries = selectors.ticket_entries(ticket=ticket)
    context = {
        "ticket": ticket,
        "timer": timer,
        "elapsed_minutes": int((timezone.now() - timer.started_at).total_seconds() // 60) if timer else 0,
        "entries": [(entry, services.can_edit_entry(user, entry)) for entry in entries],
        "totals": selectors.ticket_totals(ticket=ticket),
        "my_month": selectors.agent_totals(
            agent=user, period_start=timezone.localdate().replace(day=1), period_end=timezone.localdate()
        ),
        "entry_form": entry_form or EntryForm(),
        "stop_form": stop_form or StopForm(),
    }
    template = "timetracking/_panel.html" if request.headers.get("HX-Request") else "timetracking/panel.html"
    return render(request, template, context, status=status)


def _done(request: HttpRequest, ticket: Ticket, message: str) -> HttpResponse:
    if request.headers.get("HX-Request"):
        return _panel(request, ticket)
    messages.success(request, message)
    return redirect("timetracking:panel", reference=ticket.reference)


@staff_only
@require_GET
def panel(request: HttpRequest, reference: str) -> HttpResponse:
    """The time spent on a ticket (an htmx panel of the ticket page, or a page without JavaScript)."""
    return _panel(request, _ticket(_user(request), reference))


@staff_only
@require_POST
def timer_start(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket(_user(request), reference)
    try:
        services.timer_start(actor=actor_of(request), ticket=ticket)
    except DomainError as error:
        raise Http404 from error
    return _done(request, ticket, _("Timer started."))


@staff_only
@require_POST
def timer_stop(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket(_user(request), reference)
    form = StopForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.timer_stop(
                actor=actor_of(request), ticket=ticket, activity=data["activity"],
                is_billable=data["is_billable"], note=data["note"],
            )  # fmt: skip
        except DomainError as error:
            form_error(form, error)
        else:
            return _done(request, ticket, _("Time logged."))
    return _panel(request, ticket, stop_form=form, status=422)


@staff_only
@require_POST
def entry_add(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _ticket(_user(request), reference)
    form = EntryForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.time_entry_create(
                actor=actor_of(request), ticket=ticket, activity=data["activity"], minutes=data["duration"],
                worked_on=data["worked_on"], is_billable=data["is_billable"], note=data["note"],
            )  # fmt: skip
        except DomainError as error:
            form_error(form, error)
        else:
            return _done(request, ticket, _("Time logged."))
    return _panel(request, ticket, entry_form=form, status=422)


def _entry(user: User, pk: int) -> TimeEntry:
    entry = authz.time_entries_visible_to(user).select_related("ticket", "activity").filter(pk=pk).first()
    if entry is None:
        raise Http404
    return entry


@staff_only
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one entry (own ones within the edit window; supervisors any)."""
    user = _user(request)
    entry = _entry(user, pk)
    initial = {
        "activity": entry.activity, "duration": str(entry.minutes), "worked_on": entry.worked_on,
        "is_billable": entry.is_billable, "note": entry.note,
    }  # fmt: skip
    form = EntryForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.time_entry_update(
                actor=actor_of(request), entry=entry, activity=data["activity"], minutes=data["duration"],
                worked_on=data["worked_on"], is_billable=data["is_billable"], note=data["note"],
            )  # fmt: skip
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Time entry changed."))
            return redirect("timetracking:panel", reference=entry.ticket.reference)
    if not services.can_edit_entry(user, entry):
        return HttpResponse(_("This entry can no longer be changed by you."), status=403)
    context = {"form": form, "entry": entry, "ticket": entry.ticket}
    return render(request, "timetracking/entry_edit.html", context, status=422 if form.errors else 200)


@staff_only
@require_POST
def entry_delete(request: HttpRequest, pk: int) -> HttpResponse:
    entry = _entry(_user(request), pk)
    ticket = entry.ticket
    try:
        services.time_entry_delete(actor=actor_of(request), entry=entry)
    except DomainError:
        return HttpResponse(_("This entry can no longer be changed by you."), status=403)
    return _done(request, ticket, _("Time entry deleted."))


def contract_notice(user: User, caller: User | None, category_value: object) -> IntakeAssessment | None:
    """What the caller's contract says of a request in the chosen category (None: within it)."""
    if caller is None:
        return None
    chosen = row_id(str(category_value or ""))
    category = authz.categories_visible_to(user).filter(pk=chosen).first() if chosen else None
    assessment = intake_assess(organisation=caller.organisation, category=category)
    return assessment if assessment.is_out_of_contract else None


@staff_only
@require_GET
def contract_check(request: HttpRequest) -> HttpResponse:
    """The phone-intake screen's out-of-contract notice for the chosen caller and category (htmx)."""
    user = _user(request)
    pk = row_id(str(request.GET.get("caller", "")))
    caller = (
        authz.people_visible_to(user).select_related("organisation").filter(pk=pk).first() if pk else None
    )
    notice = contract_notice(user, caller, request.GET.get("category"))
    return render(request, "contracts/_out_of_contract.html", {"notice": notice})


@staff_only
@require_GET
def export(request: HttpRequest, slug: str, extension: str) -> HttpResponse:
    """A client's month for invoicing (CSV or XLSX): staff who serve the client."""
    user = _user(request)
    organisation = authz.organisations_visible_to(user).filter(slug=slug).first()
    if organisation is None or not authz.can_view_consumption(user, organisation.pk):
        raise Http404
    return month_export(request, user, organisation, extension)
