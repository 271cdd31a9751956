"""The agent's ticket page and its quick actions (each a plain POST form, so they work without JS)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import DomainError, PermissionDeniedError, ValidationFailed
from escalade.core.forms import form_error
from escalade.core.http import HtmxHttpRequest, file_download
from escalade.tickets import services as tickets
from escalade.tickets.models import Ticket
from escalade.tickets.selectors import attachments_visible
from escalade.workspace import selectors, services
from escalade.workspace.forms import (
    AssignForm,
    EscalateForm,
    HandBackForm,
    LinkForm,
    MacroApplyForm,
    MergeForm,
    PendingForm,
    ReplyForm,
    ResolveForm,
    StateForm,
    TagsForm,
)
from escalade.workspace.views import actor_of, staff_only

Handler = Callable[[Actor, Ticket, dict[str, Any], HttpRequest], Ticket | None]


def _visible(user: User, reference: str) -> Ticket:
    ticket = selectors.ticket_for_page(user=user, reference=reference)
    if ticket is None:
        raise Http404
    return ticket


def _other_ticket(user: User, reference: str) -> Ticket:
    other = authz.tickets_visible_to(user).filter(reference=reference.strip().upper()).first()
    if other is None:
        raise ValidationFailed(_("No such ticket."), field="target")
    return other


FormBuilder = Callable[[User, Ticket, Any, Any], forms.Form]
FORMS: dict[str, FormBuilder] = {
    "reply": lambda user, ticket, data, files: ReplyForm(data, files),
    "macro": lambda user, ticket, data, files: MacroApplyForm(data, macros=selectors.macros_for(user=user)),
    "assign": lambda user, ticket, data, files: AssignForm(
        data,
        teams=selectors.teams_serving(user=user),
        people=selectors.people_to_assign(user=user, organisation_id=ticket.organisation_id),
    ),
    "escalate": lambda user, ticket, data, files: EscalateForm(
        data, teams=selectors.teams_to_move(ticket=ticket, up=True)
    ),
    "handback": lambda user, ticket, data, files: HandBackForm(
        data, teams=selectors.teams_to_move(ticket=ticket, up=False)
    ),
    "pending": lambda user, ticket, data, files: PendingForm(data),
    "resolve": lambda user, ticket, data, files: ResolveForm(data),
    "state": lambda user, ticket, data, files: StateForm(data),
    "link": lambda user, ticket, data, files: LinkForm(data),
    "merge": lambda user, ticket, data, files: MergeForm(data),
    "tags": lambda user, ticket, data, files: TagsForm(data),
}
# The page holds the reply form, the most used; every other form comes when its panel opens (htmx), or
# on a page of its own without JavaScript. Building and rendering them all cost the page a third of its
# time (the macro and assignment lists read from the database, Django's widget templates for the rest).
INLINE = ("reply",)


def _form(user: User, ticket: Ticket, name: str, data: Any = None, files: Any = None) -> forms.Form:
    """The form of the action ``name`` on ``ticket``, bound to ``data`` when given."""
    form = FORMS[name](user, ticket, data, files)
    form.prefix = name
    return form


def _inline_forms(user: User, ticket: Ticket) -> dict[str, forms.Form]:
    return {name: _form(user, ticket, name) for name in INLINE}


def _reply(actor: Actor, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> None:
    if data["internal"]:
        followup = tickets.ticket_add_note(actor=actor, ticket=ticket, body=data["body"])
    else:
        followup = tickets.ticket_reply(actor=actor, ticket=ticket, body=data["body"])
    for upload in data["attachments"]:
        tickets.attachment_add(
            actor=actor, ticket=ticket, filename=upload.name, content=upload, followup=followup,
            is_internal=data["internal"],
        )  # fmt: skip


def _macro(actor: Actor, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> None:
    assert isinstance(request.user, User)
    macro = selectors.macros_for(user=request.user).filter(pk=int(data["macro"])).first()
    if macro is None:
        raise ValidationFailed(_("Choose a macro."), field="macro")
    services.macro_apply(actor=actor, ticket=ticket, macro=macro, body=data.get("body") or None)


def _link(actor: Actor, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> None:
    target = _other_ticket(_user(request), data["target"])
    tickets.ticket_link(actor=actor, source=ticket, target=target, kind=data["kind"])


def _pending(actor: Actor, ticket: Ticket, data: dict[str, Any], request: HttpRequest) -> Ticket:
    if ticket.state in {"new", "assigned"}:
        ticket = tickets.ticket_transition(actor=actor, ticket=ticket, state="in_progress")
    return tickets.ticket_transition(actor=actor, ticket=ticket, state=data["state"], reason=data["reason"])


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


ACTIONS: dict[str, Handler] = {
    "take": lambda a, t, d, r: tickets.ticket_take(actor=a, ticket=t),
    "reply": _reply,
    "macro": _macro,
    "assign": lambda a, t, d, r: tickets.ticket_assign(
        actor=a, ticket=t, team=d["team"], assignee=d["assignee"]
    ),
    "escalate": lambda a, t, d, r: tickets.ticket_escalate(
        actor=a, ticket=t, reason=d["reason"], team=d["team"]
    ),
    "handback": lambda a, t, d, r: tickets.ticket_hand_back(
        actor=a, ticket=t, reason=d["reason"], team=d["team"]
    ),
    "pending": _pending,
    "state": lambda a, t, d, r: tickets.ticket_transition(actor=a, ticket=t, state=d["state"]),
    "resolve": lambda a, t, d, r: tickets.ticket_resolve(
        actor=a, ticket=t, resolution_code=d["resolution_code"], solution=d["solution"]
    ),
    "merge": lambda a, t, d, r: tickets.ticket_merge(
        actor=a, source=t, target=_other_ticket(_user(r), d["target"])
    ),
    "link": _link,
    "tags": lambda a, t, d, r: tickets.ticket_update(actor=a, ticket=t, tags=d["tags"]),
}
# The panels of the page: (action, label, keyboard shortcut).
PANELS = (
    ("reply", gettext_lazy("Reply or note"), "r"),
    ("macro", gettext_lazy("Macro"), "m"),
    ("assign", gettext_lazy("Assign"), "a"),
    ("escalate", gettext_lazy("Escalate"), "e"),
    ("handback", gettext_lazy("Hand back"), "h"),
    ("pending", gettext_lazy("Set pending"), "p"),
    ("resolve", gettext_lazy("Resolve"), "s"),
    ("state", gettext_lazy("Change state"), "c"),
    ("link", gettext_lazy("Link"), "l"),
    ("merge", gettext_lazy("Merge"), "u"),
    ("tags", gettext_lazy("Tags"), "#"),
)
LABELS = {name: label for name, label, _key in PANELS}
DONE = {
    "take": gettext_lazy("You took the ticket."),
    "reply": gettext_lazy("Message added."),
    "macro": gettext_lazy("Macro applied."),
    "assign": gettext_lazy("Ticket assigned."),
    "escalate": gettext_lazy("Ticket escalated."),
    "handback": gettext_lazy("Ticket handed back."),
    "pending": gettext_lazy("Ticket set pending."),
    "state": gettext_lazy("State changed."),
    "resolve": gettext_lazy("Ticket resolved."),
    "merge": gettext_lazy("Tickets merged."),
    "link": gettext_lazy("Tickets linked."),
    "tags": gettext_lazy("Tags saved."),
}


def _render(
    request: HttpRequest, ticket: Ticket, action_forms: dict[str, forms.Form], status: int = 200
) -> HttpResponse:
    user = _user(request)
    context = {
        "page": selectors.ticket_page(user=user, ticket=ticket),
        "ticket": ticket,
        "forms": action_forms,
        "panels": PANELS,
        "open_form": next((name for name, form in action_forms.items() if form.is_bound), ""),
    }
    return render(request, "workspace/ticket.html", context, status=status)


@staff_only
@require_GET
def ticket(request: HttpRequest, reference: str) -> HttpResponse:
    """The ticket page: SLA countdowns and timeline, requester card, conversation, quick actions."""
    user = _user(request)
    found = _visible(user, reference)
    return _render(request, found, _inline_forms(user, found))


@staff_only
@require_http_methods(["GET", "POST"])
def ticket_action(request: HtmxHttpRequest, reference: str, action: str) -> HttpResponse:
    """One quick action. GET: its form alone, for the panel of the ticket page (htmx) or as a page of its
    own (without JavaScript). POST: run it; errors are shown next to the field on the re-rendered
    ticket page (422)."""
    if request.method == "GET":
        return _action_form(request, reference, action)
    return _action_run(request, reference, action)


def _action_form(request: HtmxHttpRequest, reference: str, action: str) -> HttpResponse:
    user = _user(request)
    found = selectors.ticket_heading(user=user, reference=reference)
    if found is None or action not in FORMS:
        raise Http404
    context = {"ticket": found, "name": action, "label": LABELS[action], "form": _form(user, found, action)}
    template = "workspace/_action_form.html" if request.htmx else "workspace/ticket_action.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])  # a fragment or a page at the same address
    return response


def _action_run(request: HttpRequest, reference: str, action: str) -> HttpResponse:
    user = _user(request)
    found = _visible(user, reference)
    if action not in ACTIONS:
        raise Http404
    form = _form(user, found, action, request.POST, request.FILES) if action in FORMS else None
    if form is not None and not form.is_valid():
        return _invalid(request, reference, action, form)
    if action == "macro" and form is not None and "confirm" not in request.POST:
        # Nothing goes to the client before the agent has read the preview and pressed "Send" on it
        # (the panel's button, Ctrl+Enter in the panel and a crafted POST all come here first).
        return _macro_preview(request, found, form)
    try:
        result = ACTIONS[action](actor_of(request), found, form.cleaned_data if form else {}, request)
    except PermissionDeniedError as error:
        raise PermissionDenied(error.message) from error
    except DomainError as error:
        if form is None:
            messages.error(request, error.message)
            return redirect("workspace:ticket", reference=found.reference)
        form_error(form, error)
        return _invalid(request, reference, action, form)
    messages.success(request, DONE[action])
    target = result if isinstance(result, Ticket) and action == "merge" else found
    return redirect("workspace:ticket", reference=target.reference)


def _macro_preview(request: HttpRequest, ticket: Ticket, form: forms.Form) -> HttpResponse:
    """The macro's text with the variables filled in for this ticket, to read (and edit) before
    anything is sent; nothing is written."""
    user = _user(request)
    macro = selectors.macros_for(user=user).filter(pk=int(form.cleaned_data["macro"])).first()
    if macro is None:
        form.add_error("macro", _("Choose a macro."))
        return _invalid(request, ticket.reference, "macro", form)
    text = services.macro_render(macro=macro, ticket=ticket, agent=user)
    return render(request, "workspace/macro_preview.html", {"ticket": ticket, "macro": macro, "text": text})


def _invalid(request: HttpRequest, reference: str, action: str, form: forms.Form) -> HttpResponse:
    """The ticket page again, the failed form open with its errors."""
    user = _user(request)
    found = _visible(user, reference)
    return _render(request, found, _inline_forms(user, found) | {action: form}, status=422)


@staff_only
@require_GET
def attachment(request: HttpRequest, reference: str, pk: int) -> FileResponse:
    """A file of a ticket, for staff who may see the ticket."""
    user = _user(request)
    found = _visible(user, reference)
    item = get_object_or_404(attachments_visible(ticket=found, viewer=user), pk=pk)
    return file_download(item.file, filename=item.filename, content_type=item.content_type)
