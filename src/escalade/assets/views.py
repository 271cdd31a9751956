"""The assets pages of the desk: the filtered list, the asset page, licence compliance per client,
linking an asset to a ticket, and the import upload (administrators)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.assets import selectors, services
from escalade.assets.forms import AssetFilterForm, AssetImportForm, RelationForm
from escalade.assets.importer import ImportError_, import_rows, read_table
from escalade.assets.models import STATUS_TRANSITIONS, Asset, AssetStatus, TicketAsset
from escalade.core.errors import DomainError
from escalade.core.text import row_id
from escalade.orgs.models import Organisation
from escalade.tickets.models import Ticket
from escalade.workspace.views import actor_of, staff_only


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@staff_only
@require_GET
def asset_list(request: HttpRequest) -> HttpResponse:
    """The estate of the clients the agent serves, filtered, 50 at a time (keyset on ?before=)."""
    user = _user(request)
    form = AssetFilterForm(request.GET or None, organisations=authz.organisations_visible_to(user))
    group = form.group() if form.is_valid() else selectors.AssetFilter()
    before = row_id(request.GET.get("before", ""))
    page = selectors.asset_list(user=user, group=group, before=before)
    query = request.GET.copy()
    query.pop("before", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    return render(request, "assets/list.html", context)


def _visible_asset(request: HttpRequest, pk: int) -> Asset:
    asset = (
        authz.assets_visible_to(_user(request))
        .select_related("organisation", "site", "user")
        .filter(pk=pk)
        .first()
    )
    if asset is None:
        raise Http404
    return asset


@staff_only
@require_GET
def asset_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Attributes, interfaces, software, licences, relations, linked tickets and history."""
    asset = _visible_asset(request, pk)
    user = _user(request)
    page = selectors.asset_page(user=user, asset=asset)
    context: dict[str, Any] = {"page": page, "asset": asset, "can_manage": authz.can_manage_assets(user)}
    if context["can_manage"]:
        allowed = STATUS_TRANSITIONS.get(asset.status, frozenset())
        context["next_statuses"] = [
            (value, label) for value, label in AssetStatus.choices if value in allowed
        ]
        context["relation_form"] = RelationForm()
    return render(request, "assets/detail.html", context)


@authz.require(authz.can_view_licence_compliance)
@require_GET
def compliance(request: HttpRequest) -> HttpResponse:
    """Licence compliance of one client (supervisors): owned, used, over-use, expiring."""
    user = _user(request)
    organisations = list(
        authz.organisations_visible_to(user).filter(kind=Organisation.Kind.CLIENT).order_by("name")
    )
    chosen = row_id(request.GET.get("organisation", ""))
    organisation = next(
        (o for o in organisations if o.pk == chosen), organisations[0] if organisations else None
    )
    rows = selectors.licence_compliance(user=user, organisation_id=organisation.pk) if organisation else []
    context = {"organisations": organisations, "organisation": organisation, "rows": rows,
               "can_manage": authz.can_manage_assets(user)}  # fmt: skip
    return render(request, "assets/compliance.html", context)


def _ticket(request: HttpRequest, reference: str) -> Ticket:
    ticket = authz.tickets_visible_to(_user(request)).filter(reference=reference).first()
    if ticket is None:
        raise Http404
    return ticket


@staff_only
@require_POST
def ticket_link(request: HttpRequest, reference: str) -> HttpResponse:
    """Link an asset (by id, or by serial / hostname / tag / MAC / IP typed by the agent) to a ticket."""
    ticket = _ticket(request, reference)
    user = _user(request)
    assets = authz.assets_visible_to(user).filter(organisation_id=ticket.organisation_id)
    pk = row_id(request.POST.get("asset", ""))
    text = request.POST.get("text", "").strip()
    found = assets.filter(pk=pk).first() if pk else (
        assets.filter(selectors.asset_text_q(text)).order_by("pk").first() if text else None
    )  # fmt: skip
    if found is None:
        messages.error(request, _("No asset of this client matches."))
    else:
        try:
            services.ticket_asset_link(actor=actor_of(request), ticket=ticket, asset=found)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Asset %(name)s linked.") % {"name": found.name})
    return redirect("workspace:ticket", reference=ticket.reference)


@staff_only
@require_POST
def ticket_unlink(request: HttpRequest, reference: str, pk: int) -> HttpResponse:
    ticket = _ticket(request, reference)
    link = get_object_or_404(
        TicketAsset.objects.select_related("asset", "ticket"), ticket=ticket, asset_id=pk
    )
    try:
        services.ticket_asset_unlink(actor=actor_of(request), link=link)
    except DomainError as error:
        messages.error(request, str(error))
    return redirect("workspace:ticket", reference=ticket.reference)


@authz.require(authz.can_manage_assets)
@require_http_methods(["GET", "POST"])
def asset_import(request: HttpRequest) -> HttpResponse:
    """Upload a CSV or XLSX file of assets; a dry run reports what would happen, then import."""
    clients = Organisation.objects.filter(kind=Organisation.Kind.CLIENT)
    form = AssetImportForm(request.POST or None, request.FILES or None, organisations=clients)
    report: Any = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_table(upload.name or "", upload.read())
            report = import_rows(
                actor=actor_of(request), organisation=form.cleaned_data["organisation"], rows=rows,
                dry_run="apply" not in request.POST,  # a dry run unless "Import" was pressed
            )  # fmt: skip
        except ImportError_ as error:
            form.add_error("file", str(error))
    status = 422 if form.errors else 200
    return render(request, "assets/import.html", {"form": form, "report": report}, status=status)


@staff_only
@require_GET
def ticket_panel(request: HttpRequest, reference: str) -> HttpResponse:
    """The ticket page's equipment panel (htmx): linked assets, the requester's others, a link form."""
    user = _user(request)
    ticket = _ticket(request, reference)
    linked = selectors.ticket_assets(user=user, ticket=ticket)
    linked_ids = {asset.pk for asset in linked}
    mine = [
        a for a in selectors.assets_of_person(user=user, person=ticket.requester) if a.pk not in linked_ids
    ]
    context = {"ticket": ticket, "linked": linked, "requester_assets": mine,
               "can_work": authz.can_work_on_ticket(user, ticket)}  # fmt: skip
    return render(request, "assets/_ticket_panel.html", context)
