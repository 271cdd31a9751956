"""Pages of the directory app: self-service (anyone, no sign-in needed: a locked person cannot sign in),
access rights and approvals (client people), the desk's one-click unlock, the administrators'
configuration. Thin: each calls one service or selector."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.core.forms import form_error
from escalade.core.http import client_ip
from escalade.directory import client, selectors, services
from escalade.directory.forms import CodeForm, DirectoryForm, GroupRuleForm, StartForm, new_key
from escalade.directory.models import AccessGrant, Directory, DirectoryGroup, SelfServiceRequest
from escalade.tickets.models import Ticket

administrators_only = authz.require(authz.can_manage_directories)
client_people_only = authz.require(lambda user: authz.signed_in(user) and not authz.is_provider_staff(user))
staff_only = authz.require(authz.is_provider_staff)


def _actor(request: HttpRequest) -> Actor:
    assert isinstance(request.user, User)
    return Actor.of(request.user, source_ip=client_ip(request))


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


# ---------------------------------------------------------------- self-service (no sign-in)
@require_http_methods(["GET", "POST"])
def self_service_start(request: HttpRequest) -> HttpResponse:
    """Unlock or reset: the same answer for every address (nothing tells whether an account exists)."""
    initial = {"email": request.user.email} if isinstance(request.user, User) else {}
    form = StartForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            token = services.self_service_start(
                email=data["email"],
                action=data["action"],
                idempotency_key=data["idempotency_key"],
                source_ip=client_ip(request),
            )
        except DomainError as error:
            form_error(form, error)
        else:
            return redirect("directory:code", token=token)
    return render(request, "directory/start.html", {"form": form}, status=422 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def self_service_code(request: HttpRequest, token: str) -> HttpResponse:
    found = services.request_by_token(token)
    if found is not None and found.state == SelfServiceRequest.State.DONE and found.ticket is not None:
        return render(request, "directory/done.html", {"ticket": found.ticket, "request_": found})
    form = CodeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            ticket = services.self_service_verify(
                token=token, code=form.cleaned_data["code"], new_password=form.cleaned_data["new_password"]
            )
        except client.DirectoryError as error:
            form.add_error(
                "new_password" if found and found.action == "password_reset" else None, str(error.message)
            )
        except DomainError as error:
            form_error(form, error)
        else:
            return render(request, "directory/done.html", {"ticket": ticket, "request_": found})
    context = {
        "form": form,
        "token": token,
        "waiting": found is not None and found.state == SelfServiceRequest.State.PENDING_APPROVAL,
        "verified": found is not None and found.state == SelfServiceRequest.State.VERIFIED,
    }
    response = render(request, "directory/code.html", context, status=422 if form.errors else 200)
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- access rights and approvals
@client_people_only
@require_GET
def access(request: HttpRequest) -> HttpResponse:
    """My access rights (what, since when, who approved), the groups I may ask for, what waits for me."""
    user = _user(request)
    account = selectors.account_of(user)
    context: dict[str, Any] = {
        "account": account,
        "approvals": list(selectors.approvals_for(user=user)),
        "key": new_key(),
    }
    if account is not None:
        context |= {
            "rights": list(selectors.access_rights(account=account)),
            "groups": list(selectors.requestable_groups(account=account)),
            "requests": selectors.self_service_requests(account=account),
        }
    return render(request, "directory/access.html", context)


def _key(request: HttpRequest) -> str:
    key = request.POST.get("idempotency_key", "")
    return key if 16 <= len(key) <= 64 else new_key()


@client_people_only
@require_POST
def access_request(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_object_or_404(DirectoryGroup, pk=pk)
    try:
        services.access_request(actor=_actor(request), group=group, idempotency_key=_key(request))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Your request was sent for approval."))
    return redirect("directory:access")


@require_POST
def access_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if not authz.signed_in(request.user):
        raise Http404
    grant = get_object_or_404(AccessGrant.objects.select_related("account__user", "group"), pk=pk)
    try:
        ticket = services.access_revoke(actor=_actor(request), grant=grant, idempotency_key=_key(request))
    except DomainError as error:
        messages.error(request, error.message)
    except client.DirectoryError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request, _("Access removed (%(reference)s).") % {"reference": ticket.reference if ticket else ""}
        )
    return redirect("directory:access")


@client_people_only
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(SelfServiceRequest, pk=pk)
    try:
        services.request_decide(
            actor=_actor(request), request=found, approve=request.POST.get("approve") == "1"
        )
    except DomainError as error:
        messages.error(request, error.message)
    except client.DirectoryError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("directory:access")


# ---------------------------------------------------------------- the desk's one click
def _desk_ticket(request: HttpRequest, reference: str) -> Ticket:
    ticket = Ticket.objects.select_related("requester").filter(reference=reference).first()
    if ticket is None or not authz.can_work_on_ticket(request.user, ticket):
        raise Http404
    return ticket


@staff_only
@require_GET
def desk_panel(request: HttpRequest, reference: str) -> HttpResponse:
    """The ticket page's directory panel (loaded by htmx): the requester's account and the unlock button."""
    ticket = _desk_ticket(request, reference)
    account = selectors.account_of(ticket.requester)
    context: dict[str, Any] = {"ticket": ticket, "account": account, "key": new_key()}
    if account is not None:
        try:
            context["locked"] = client.is_locked(account.directory, dn=account.dn)
        except client.DirectoryError as error:
            context["unreachable"] = str(error.message)
    return render(request, "directory/_desk_panel.html", context)


@staff_only
@require_POST
def desk_unlock(request: HttpRequest, reference: str) -> HttpResponse:
    ticket = _desk_ticket(request, reference)
    try:
        record = services.desk_unlock(
            actor=_actor(request), person=ticket.requester, idempotency_key=_key(request), from_ticket=ticket
        )
    except DomainError as error:
        messages.error(request, error.message)
    except client.DirectoryError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(
            request,
            _("Directory account unlocked; recorded as %(reference)s (level 0).")
            % {"reference": record.reference},
        )
    return redirect("workspace:ticket", reference=reference)


# ---------------------------------------------------------------- configuration (administrators)
@administrators_only
@require_GET
def directory_list(request: HttpRequest) -> HttpResponse:
    return render(request, "directory/list.html", {"directories": list(selectors.directories_all())})


@administrators_only
@require_http_methods(["GET", "POST"])
def directory_create(request: HttpRequest) -> HttpResponse:
    form = DirectoryForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            directory = services.directory_save(
                actor=_actor(request),
                directory=form.save(commit=False),
                bind_password=form.cleaned_data["bind_password"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            return redirect("directory:detail", pk=directory.pk)
    return render(request, "directory/form.html", {"form": form}, status=422 if form.errors else 200)


@administrators_only
@require_http_methods(["GET", "POST"])
def directory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    directory = get_object_or_404(Directory.objects.select_related("organisation"), pk=pk)
    form = DirectoryForm(request.POST if request.method == "POST" else None, instance=directory)
    if request.method == "POST" and form.is_valid():
        try:
            services.directory_save(
                actor=_actor(request),
                directory=form.save(commit=False),
                bind_password=form.cleaned_data["bind_password"],
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Directory saved."))
            return redirect("directory:detail", pk=pk)
    context = {
        "directory": directory,
        "form": form,
        "rule_form": GroupRuleForm(),
        "rules": list(directory.group_rules.select_related("team")),
        "requests": list(
            SelfServiceRequest.objects.filter(directory=directory).select_related(
                "account__user", "ticket", "group"
            )[:20]
        ),
        "checked": selectors.last_checked(directory),
        "people": directory.accounts.filter(is_present=True).count(),
    }
    return render(request, "directory/detail.html", context, status=422 if form.errors else 200)


@administrators_only
@require_POST
def directory_sync(request: HttpRequest, pk: int) -> HttpResponse:
    directory = get_object_or_404(Directory, pk=pk)
    try:
        summary = services.directory_sync_now(actor=_actor(request), directory=directory)
    except client.DirectoryError as error:
        messages.error(request, _("The sync failed: %(error)s") % {"error": error.message})
    else:
        if summary is None:
            messages.info(request, _("A sync of this directory is already running."))
        else:
            messages.success(
                request,
                _("Sync done: %(created)s created, %(updated)s updated, %(deactivated)s deactivated.")
                % summary.as_dict(),
            )
    return redirect("directory:detail", pk=pk)


@administrators_only
@require_POST
def rule_add(request: HttpRequest, pk: int) -> HttpResponse:
    directory = get_object_or_404(Directory, pk=pk)
    form = GroupRuleForm(request.POST)
    if form.is_valid():
        services.group_rule_add(
            actor=_actor(request),
            directory=directory,
            group_dn=form.cleaned_data["group_dn"],
            role=form.cleaned_data["role"],
        )
        messages.success(request, _("Rule added; it applies at the next sync."))
    return redirect("directory:detail", pk=pk)
