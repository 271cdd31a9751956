"""Django's admin, restricted by :mod:`escalade.authz` and recording every change in the event log."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse

from escalade import authz
from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.core.credentials import credentials_changed
from escalade.core.http import client_ip
from escalade.core.refdata import refdata_changed
from escalade.core.services import changes_between, event_record, snapshot

ViewType = TypeVar("ViewType", bound=Callable[..., HttpResponseBase])


class EscaladeAdminSite(admin.AdminSite):
    """Admin for configuration objects: administrators only; others get a 403, not a second login."""

    site_header = "Escalade"
    site_title = "Escalade"

    def has_permission(self, request: HttpRequest) -> bool:
        return authz.can_access_admin_site(request.user)

    def admin_view(self, view: ViewType, cacheable: bool = False) -> ViewType:
        """Anonymous visitors go to Escalade's sign-in; signed-in non-administrators get a 403."""
        inner = super().admin_view(view, cacheable)

        @wraps(view)
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return guarded  # type: ignore[return-value]

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.user.is_authenticated:
            raise PermissionDenied
        target = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(target)


def _audited_fields(model: type[models.Model]) -> list[str]:
    skip = {"password", "last_login", "id"}
    return [
        field.name
        for field in model._meta.get_fields()
        if field.concrete and not field.auto_created and field.name not in skip
    ]


def _organisation_id(obj: models.Model) -> int | None:
    if obj._meta.model_name == "organisation":
        return int(obj.pk)
    return getattr(obj, "organisation_id", None)


class ViewOnlyModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin that shows rows and changes none (records written by services or the system)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class AuditedModelAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """A ModelAdmin whose saves and deletions are recorded as events (``<model>.created`` etc.).

    ``reference_data``: its model is reference data that processes keep (``core.refdata``: contracts,
    teams, categories, the priority matrix, SLA policies and calendars); a save or deletion says so.
    ``credentials``: its model holds what authenticates a request (people, API tokens); a save or
    deletion moves ``core.credentials``' version, so that no process keeps a revoked token.
    """

    reference_data = False
    credentials = False

    def _actor(self, request: HttpRequest) -> Actor:
        assert isinstance(request.user, User)
        return Actor.of(request.user, source_ip=client_ip(request))

    def save_model(self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool) -> None:
        fields = _audited_fields(type(obj))
        obj._audit_before = snapshot(type(obj)._default_manager.get(pk=obj.pk), fields) if change else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        changes = changes_between(
            getattr(obj, "_audit_before", {}), snapshot(obj, _audited_fields(type(obj)))
        )
        if self.reference_data:
            refdata_changed()
        if self.credentials and change:
            credentials_changed()
        if changes or not change:
            event_record(
                actor=self._actor(request),
                obj=obj,
                action=f"{obj._meta.model_name}.{'updated' if change else 'created'}",
                changes=changes,
                data={"via": "admin"},
                organisation_id=_organisation_id(obj),
            )

    @transaction.atomic
    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        event_record(
            actor=self._actor(request),
            obj=obj,
            action=f"{obj._meta.model_name}.deleted",
            data={"via": "admin"},
            organisation_id=_organisation_id(obj),
        )
        super().delete_model(request, obj)
        if self.reference_data:
            refdata_changed()
        if self.credentials:
            credentials_changed()

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)
