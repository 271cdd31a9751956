"""The phone intake screen ("new call") and the macros page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from escalade import authz
from escalade.accounts.models import User
from escalade.accounts.selectors import teams_of
from escalade.assets import selectors as asset_selectors
from escalade.assets import services as asset_services
from escalade.contracts.intake import IntakeAssessment, intake_check, intake_decision_record
from escalade.core.errors import DomainError
from escalade.core.forms import form_error
from escalade.core.text import row_id
from escalade.tickets.models import Category
from escalade.timetracking.views import contract_notice
from escalade.workspace import selectors, services
from escalade.workspace.forms import MacroForm, PhoneCallForm
from escalade.workspace.views import actor_of, staff_only


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@staff_only
@require_GET
def call_search(request: HttpRequest) -> HttpResponse:
    """Callers matching what the agent types (name, e-mail, phone), as an htmx partial."""
    people = selectors.callers_matching(user=_user(request), text=request.GET.get("q", ""))
    return render(request, "workspace/_callers.html", {"people": people, "q": request.GET.get("q", "")})


def _caller(user: User, value: Any) -> User | None:
    pk = row_id(str(value or ""))
    return authz.people_visible_to(user).filter(pk=pk).first() if pk is not None else None


@staff_only
@require_http_methods(["GET", "POST"])
def call(request: HttpRequest) -> HttpResponse:
    """Take a call: find the caller, see their open tickets and contract, log the call in a few keys."""
    user = _user(request)
    data = request.POST if request.method == "POST" else None
    caller = _caller(user, (data or request.GET).get("caller"))
    open_tickets, contract = selectors.caller_card(user=user, caller=caller) if caller else ([], None)
    caller_assets = asset_selectors.assets_of_person(user=user, person=caller) if caller else []
    # The agent who takes the call is the new ticket's assignee unless they choose otherwise (when they
    # serve the caller's client; a supervisor outside the teams leaves it to the team).
    started_at = timezone.now()
    me = caller is not None and selectors.serves(user=user, organisation_id=caller.organisation_id)
    people = selectors.people_to_assign(user=user, organisation_id=caller.organisation_id) if caller else None
    form = PhoneCallForm(
        data, open_tickets=open_tickets, categories=authz.categories_visible_to(user).order_by("name_fr"),
        people=people,
        initial={"caller": caller.pk if caller else None, "started_at": started_at,
                 "assignee": user.pk if me else None},
    )  # fmt: skip
    if data is not None and caller is None:
        form.add_error(None, _("Find the caller first."))
    elif data is not None and form.is_valid():
        cleaned = form.cleaned_data
        chosen = next((t for t in open_tickets if t.reference == cleaned["ticket"]), None)
        try:
            assert caller is not None
            with transaction.atomic():
                assessment = _intake_check(request, caller, cleaned["category"]) if chosen is None else None
                logged = services.phone_call_log(
                    actor=actor_of(request), caller=caller, started_at=cleaned["started_at"],
                    duration_seconds=cleaned["duration"], ticket=chosen, title=cleaned["title"],
                    description=cleaned["description"], category=cleaned["category"],
                    impact=cleaned["impact"], urgency=cleaned["urgency"],
                    assignee=cleaned.get("assignee") if chosen is None else None,
                )  # fmt: skip
                if assessment is not None:
                    intake_decision_record(
                        actor=actor_of(request), ticket=logged.ticket, assessment=assessment
                    )
                asset = next((a for a in caller_assets if str(a.pk) == data.get("asset")), None)
                if asset is not None:  # the caller's equipment the agent ticked on the call screen
                    asset_services.ticket_asset_link(
                        actor=actor_of(request), ticket=logged.ticket, asset=asset
                    )
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(
                request, _("Call logged on %(reference)s.") % {"reference": logged.ticket.reference}
            )
            return redirect("workspace:ticket", reference=logged.ticket.reference)
    if form.is_bound and "started_at" not in form.errors:
        started_at = form.cleaned_data["started_at"]  # the call goes on after a refused submission
    context = {
        # The timer counts from an instant (seconds since the epoch), not a wall time: the hidden field
        # holds the server's local time without its offset, which a browser in another time zone
        # would read as its own local time.
        "call_started": started_at,
        "form": form, "caller": caller, "open_tickets": open_tickets, "contract": contract,
        "contract_notice": contract_notice(user, caller, (data or request.GET).get("category")),
        "caller_assets": caller_assets,
    }  # fmt: skip
    return render(request, "workspace/call.html", context, status=422 if form.errors else 200)


def _intake_check(request: HttpRequest, caller: User, category: Category | None) -> IntakeAssessment | None:
    """Out of contract: refused, or acknowledged by the agent before the ticket is created (ADR 0017)."""
    acknowledged = bool(request.POST.get("out_of_contract_ack"))
    return intake_check(organisation=caller.organisation, category=category, acknowledged=acknowledged)


def _macro_form(user: User, data: Any = None, initial: dict[str, Any] | None = None) -> MacroForm:
    return MacroForm(
        data,
        teams=teams_of(user),
        categories=authz.categories_visible_to(user).order_by("name_fr"),
        initial=initial,
    )


def _save_macro(request: HttpRequest, form: MacroForm, macro: Any = None) -> bool:
    user = _user(request)
    if not form.is_valid():
        return False
    data = form.cleaned_data
    try:
        services.macro_save(
            actor=actor_of(request), name=data["name"], language=data["language"], body=data["body"],
            owner=None if data["team"] else user, team=data["team"], set_state=data["set_state"],
            category=data["category"], add_tags=data["add_tags"], macro=macro,
        )  # fmt: skip
    except DomainError as error:
        form_error(form, error)
        return False
    messages.success(request, _("Macro saved."))
    return True


@staff_only
@require_http_methods(["GET", "POST"])
def macros(request: HttpRequest) -> HttpResponse:
    """My macros and my teams' shared ones; a form to add one."""
    user = _user(request)
    form = _macro_form(user, request.POST if request.method == "POST" else None, {"language": user.language})
    if request.method == "POST" and _save_macro(request, form):
        return redirect("workspace:macros")
    context = {"macros": list(selectors.macros_editable_by(user=user)), "form": form}
    return render(request, "workspace/macros.html", context, status=422 if form.errors else 200)


@staff_only
@require_http_methods(["GET", "POST"])
def macro_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    macro = get_object_or_404(selectors.macros_editable_by(user=user), pk=pk)
    initial = {
        "name": macro.name, "language": macro.language, "body": macro.body, "team": macro.team,
        "set_state": macro.set_state, "category": macro.category, "add_tags": ", ".join(macro.add_tags),
    }  # fmt: skip
    form = _macro_form(user, request.POST if request.method == "POST" else None, initial)
    if request.method == "POST" and _save_macro(request, form, macro):
        return redirect("workspace:macros")
    return render(request, "workspace/macro_edit.html", {"form": form, "macro": macro},
                  status=422 if form.errors else 200)  # fmt: skip
