"""The administrators' edit pages of the estate: create and change an asset, move it along its
lifecycle, relate it to another, create and change a licence and give it to an asset or a person.

Every change goes through :mod:`escalade.assets.services`, which checks the role again and records the
event the asset's (or licence's) history shows. Administrators only (``authz.can_manage_assets``):
agents read the estate and feed it through the inventory agents.
"""

from __future__ import annotations

import copy

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from escalade import authz
from escalade.accounts.models import User
from escalade.assets import selectors, services
from escalade.assets.forms import (
    AssetCreateForm,
    AssetForm,
    AssetStatusForm,
    LicenceAssignForm,
    LicenceCreateForm,
    LicenceForm,
    RelationForm,
)
from escalade.assets.models import Asset, AssetRelation, Licence
from escalade.core.errors import DomainError
from escalade.orgs.models import Organisation
from escalade.workspace.views import actor_of

manage = authz.require(authz.can_manage_assets)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _clients(request: HttpRequest) -> object:
    return authz.organisations_visible_to(_user(request)).filter(kind=Organisation.Kind.CLIENT)


def _asset(request: HttpRequest, pk: int) -> Asset:
    asset = (
        authz.assets_visible_to(_user(request)).select_related("organisation", "user").filter(pk=pk).first()
    )
    if asset is None:
        raise Http404
    return asset


def _licence(request: HttpRequest, pk: int) -> Licence:
    licence = authz.licences_visible_to(_user(request)).select_related("software", "organisation")
    found = licence.filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def _refused(form: forms.BaseForm, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


def _page(request: HttpRequest, form: forms.BaseForm, title: str, **extra: object) -> HttpResponse:
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "assets/edit.html", {"form": form, "title": title, **extra}, status=status)


@manage
@require_http_methods(["GET", "POST"])
def asset_create(request: HttpRequest) -> HttpResponse:
    form = AssetCreateForm(request.POST or None, organisations=_clients(request))  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        organisation = form.cleaned_data["organisation"]
        values = form.values(organisation.pk)
        if not form.errors:
            try:
                asset = services.asset_create(
                    actor=actor_of(request), organisation=organisation, values=values,
                    status=form.cleaned_data["status"],
                )  # fmt: skip
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Asset %(name)s created.") % {"name": asset.name})
                return redirect("assets:detail", pk=asset.pk)
    return _page(request, form, _("New asset"))


@manage
@require_http_methods(["GET", "POST"])
def asset_edit(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    form = AssetForm(request.POST or None, instance=asset, organisation_ids=[asset.organisation_id])
    if request.method == "POST" and form.is_valid():
        values = form.values(asset.organisation_id)
        if not form.errors:
            try:
                services.asset_update(actor=actor_of(request), asset=asset, values=values)
            except DomainError as error:
                _refused(form, error)
            else:
                messages.success(request, _("Asset %(name)s saved.") % {"name": values["name"]})
                return redirect("assets:detail", pk=asset.pk)
    return _page(request, form, _("Edit %(name)s") % {"name": asset.name}, asset=asset)


@manage
@require_POST
def asset_status(request: HttpRequest, pk: int) -> HttpResponse:
    asset = _asset(request, pk)
    form = AssetStatusForm(request.POST)
    if form.is_valid():
        try:
            services.asset_status_change(
                actor=actor_of(request), asset=asset, status=form.cleaned_data["status"]
            )
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("assets:detail", pk=asset.pk)


@manage
@require_POST
def asset_relate(request: HttpRequest, pk: int) -> HttpResponse:
    """Relate the asset to another of its organisation, named by hostname, serial or tag."""
    asset = _asset(request, pk)
    form = RelationForm(request.POST)
    if form.is_valid():
        same_client = authz.assets_visible_to(_user(request)).filter(organisation_id=asset.organisation_id)
        target = same_client.filter(selectors.asset_text_q(form.cleaned_data["target"])).exclude(pk=asset.pk)
        found = target.order_by("pk").first()
        if found is None:
            messages.error(request, _("No asset of this client matches."))
        else:
            try:
                services.asset_relate(actor=actor_of(request), source=asset, target=found,
                                      kind=form.cleaned_data["kind"])  # fmt: skip
            except DomainError as error:
                messages.error(request, error.message)
    return redirect("assets:detail", pk=asset.pk)


@manage
@require_POST
def asset_unrelate(request: HttpRequest, pk: int, relation: int) -> HttpResponse:
    asset = _asset(request, pk)
    found = get_object_or_404(
        AssetRelation.objects.select_related("source", "target"), pk=relation, source=asset
    )
    services.asset_unrelate(actor=actor_of(request), relation=found)
    return redirect("assets:detail", pk=asset.pk)


def _licence_values(form: LicenceForm) -> dict[str, object]:
    data = form.cleaned_data
    software = services.software_get_or_create(publisher=data["publisher"] or "", name=data["product"])
    return {**{name: data[name] for name in LicenceForm.Meta.fields}, "software": software}


@manage
@require_http_methods(["GET", "POST"])
def licence_create(request: HttpRequest) -> HttpResponse:
    form = LicenceCreateForm(request.POST or None, organisations=_clients(request))  # type: ignore[arg-type]
    if request.method == "POST" and form.is_valid():
        try:
            licence = services.licence_save(
                actor=actor_of(request), organisation=form.cleaned_data["organisation"],
                values=_licence_values(form),
            )  # fmt: skip
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Licence %(name)s saved.") % {"name": licence.name})
            return redirect("assets:licence_edit", pk=licence.pk)
    return _page(request, form, _("New licence"))


@manage
@require_http_methods(["GET", "POST"])
def licence_edit(request: HttpRequest, pk: int) -> HttpResponse:
    licence = _licence(request, pk)
    # The form fills its own copy: the service compares the licence as stored with the new values.
    form = LicenceForm(request.POST or None, instance=copy.copy(licence))
    if request.method == "POST" and form.is_valid():
        try:
            services.licence_save(actor=actor_of(request), organisation=licence.organisation,
                                  values=_licence_values(form), licence=licence)  # fmt: skip
        except DomainError as error:
            _refused(form, error)
        else:
            messages.success(request, _("Licence %(name)s saved.") % {"name": licence.name})
            return redirect("assets:licence_edit", pk=licence.pk)
    assignments = licence.assignments.select_related("asset", "user").order_by("pk")
    return _page(request, form, _("Licence %(name)s") % {"name": licence.name}, licence=licence,
                 assignments=list(assignments), assign_form=LicenceAssignForm())  # fmt: skip


@manage
@require_POST
def licence_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Give the licence to an asset (hostname, serial or tag) or a person (e-mail) of its client."""
    licence = _licence(request, pk)
    form = LicenceAssignForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("assets:licence_edit", pk=licence.pk)
    data = form.cleaned_data
    asset = user = None
    if data["asset"]:
        same_client = authz.assets_visible_to(_user(request)).filter(organisation_id=licence.organisation_id)
        asset = same_client.filter(selectors.asset_text_q(data["asset"])).order_by("pk").first()
    else:
        user = User.objects.filter(
            email__iexact=data["email"], organisation_id=licence.organisation_id
        ).first()
    if asset is None and user is None:
        messages.error(request, _("Nothing of this client matches."))
    else:
        try:
            services.licence_assign(actor=actor_of(request), licence=licence, asset=asset, user=user)
        except DomainError as error:
            messages.error(request, error.message)
    return redirect("assets:licence_edit", pk=licence.pk)
