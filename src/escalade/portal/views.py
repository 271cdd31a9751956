"""The requester portal: my tickets, ask for help, follow a ticket, reply, confirm or reopen."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.assets import selectors as asset_selectors
from escalade.assets import services as asset_services
from escalade.contracts.intake import IntakeAssessment, intake_assess, intake_check, intake_decision_record
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.core.forms import form_error
from escalade.core.http import HtmxHttpRequest, client_ip, file_download
from escalade.core.text import row_id
from escalade.kb.services import deflection_convert
from escalade.portal import selectors
from escalade.portal.forms import PortalReplyForm, PortalTicketForm, ReasonForm
from escalade.tickets import services as tickets
from escalade.tickets.choices import Channel, State
from escalade.tickets.models import Category, Ticket
from escalade.tickets.selectors import attachments_visible, timeline_rows
from escalade.tickets.services.workflow import reopen_window


def is_client_person(user: authz.AnyUser) -> bool:
    """Requesters and client managers use the portal; provider staff use the desk."""
    return authz.signed_in(user) and not authz.is_provider_staff(user)


portal_only = authz.require(is_client_person)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _actor(request: HttpRequest) -> Actor:
    return Actor.of(_user(request), source_ip=client_ip(request))


def _ticket(request: HttpRequest, reference: str) -> Ticket:
    found = selectors.portal_ticket(user=_user(request), reference=reference)
    if found is None:
        raise Http404
    return found


@portal_only
@require_GET
def my_tickets(request: HtmxHttpRequest) -> HttpResponse:
    """My tickets, newest first ("more" by keyset); a client manager sees the organisation's."""
    before = request.GET.get("before", "")
    rows, next_before = selectors.portal_tickets(user=_user(request), before=row_id(before))
    context = {"tickets": rows, "next_before": next_before}
    if request.htmx and before:
        return render(request, "portal/_ticket_rows.html", context)
    return render(request, "portal/my_tickets.html", context)


def _new_ticket_form(request: HttpRequest) -> PortalTicketForm:
    categories = authz.categories_visible_to(_user(request)).order_by("name_fr")
    data = request.POST if request.method == "POST" else None
    chosen = (data or request.GET).get("category")
    return PortalTicketForm(
        data, request.FILES or None, categories=categories,
        category_fields=selectors.category_fields(categories=categories, category_id=chosen),
        initial={"category": chosen}, assets=asset_selectors.portal_assets(user=_user(request)),
    )  # fmt: skip


@portal_only
@require_http_methods(["GET", "POST"])
def new_ticket(request: HttpRequest) -> HttpResponse:
    """Ask for help; the chosen category's own fields appear (htmx, or on submit without JS)."""
    form = _new_ticket_form(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        actor = _actor(request)
        try:
            assessment = _intake_check(request, data["category"])
            created = tickets.ticket_create(
                actor=actor, requester=_user(request), title=data["title"], description=data["description"],
                category=data["category"], urgency=data["urgency"], channel=Channel.PORTAL,
                custom_fields=form.custom_values(),
            )  # fmt: skip
            if assessment is not None:
                intake_decision_record(actor=actor, ticket=created, assessment=assessment)
            for upload in data["attachments"]:
                tickets.attachment_add(actor=actor, ticket=created, filename=upload.name, content=upload)
            if data.get("asset") is not None:
                asset_services.ticket_asset_link(actor=actor, ticket=created, asset=data["asset"])
        except DomainError as error:
            form_error(form, error)
        else:
            if request.session.session_key:  # suggested articles read, but a ticket anyway: not a deflection
                deflection_convert(session_key=request.session.session_key, ticket=created)
            messages.success(
                request, _("Your request %(reference)s is registered.") % {"reference": created.reference}
            )
            return redirect("portal:ticket", reference=created.reference)
    context = {"form": form, "contract_notice": _contract_notice(request)}
    return render(request, "portal/new_ticket.html", context, status=422 if form.errors else 200)


def _intake_check(request: HttpRequest, category: Category | None) -> IntakeAssessment | None:
    """Out of contract: refused, or to be acknowledged before the request is sent (ADR 0017)."""
    user = _user(request)
    acknowledged = bool(request.POST.get("out_of_contract_ack"))
    return intake_check(organisation=user.organisation, category=category, acknowledged=acknowledged)


def _contract_notice(request: HttpRequest) -> IntakeAssessment | None:
    """What the contract says of the request being written, shown before it is sent."""
    user = _user(request)
    chosen = row_id(str((request.POST or request.GET).get("category", "")))
    category = authz.categories_visible_to(user).filter(pk=chosen).first() if chosen else None
    assessment = intake_assess(organisation=user.organisation, category=category)
    return assessment if assessment.is_out_of_contract else None


@portal_only
@require_GET
def category_fields(request: HttpRequest) -> HttpResponse:
    """The chosen category's own fields and the contract notice (htmx partial of the new-ticket form)."""
    context = {"form": _new_ticket_form(request), "contract_notice": _contract_notice(request)}
    return render(request, "portal/_category_fields.html", context)


def _page(request: HttpRequest, ticket: Ticket, **forms: object) -> HttpResponse:
    user = _user(request)
    resolved_at = ticket.resolved_at
    reopenable = bool(
        ticket.state == State.CLOSED and resolved_at
        and timezone.now() - resolved_at <= reopen_window()
    )  # fmt: skip
    context = {
        "ticket": ticket,
        "timeline": timeline_rows(ticket=ticket, viewer=user),
        "attachments": list(attachments_visible(ticket=ticket, viewer=user)),
        "reply_form": forms.get("reply_form") or PortalReplyForm(),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "reopenable": reopenable,
    }
    status = 422 if any(getattr(form, "errors", None) for form in forms.values()) else 200
    return render(request, "portal/ticket.html", context, status=status)


@portal_only
@require_GET
def ticket(request: HttpRequest, reference: str) -> HttpResponse:
    """Follow a ticket: the public conversation and the public events (never notes or internal ones)."""
    return _page(request, _ticket(request, reference))


@portal_only
@require_POST
def reply(request: HttpRequest, reference: str) -> HttpResponse:
    found = _ticket(request, reference)
    form = PortalReplyForm(request.POST, request.FILES)
    if form.is_valid():
        actor = _actor(request)
        try:
            followup = tickets.ticket_reply(actor=actor, ticket=found, body=form.cleaned_data["body"])
            for upload in form.cleaned_data["attachments"]:
                tickets.attachment_add(
                    actor=actor, ticket=found, filename=upload.name, content=upload, followup=followup
                )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Your message was sent."))
            return redirect("portal:ticket", reference=found.reference)
    return _page(request, _ticket(request, reference), reply_form=form)


@portal_only
@require_POST
def confirm(request: HttpRequest, reference: str) -> HttpResponse:
    """The requester confirms the resolution: the ticket is closed."""
    found = _ticket(request, reference)
    try:
        tickets.ticket_close(actor=_actor(request), ticket=found)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: the ticket is closed."))
    return redirect("portal:ticket", reference=found.reference)


@portal_only
@require_POST
def reopen(request: HttpRequest, reference: str) -> HttpResponse:
    """Reject a resolution or reopen a closed ticket within the window, saying why."""
    found = _ticket(request, reference)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            tickets.ticket_reopen(actor=_actor(request), ticket=found, reason=form.cleaned_data["reason"])
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("The ticket is open again."))
            return redirect("portal:ticket", reference=found.reference)
    return _page(request, _ticket(request, reference), reason_form=form)


@portal_only
@require_GET
def attachment(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    found = _ticket(request, reference)
    item = get_object_or_404(attachments_visible(ticket=found, viewer=_user(request)), pk=pk)
    return file_download(item.file, filename=item.filename, content_type=item.content_type)
