"""Alert configuration in Django's admin: sources (mapping, routes), maintenance windows; alerts and
refused payloads read-only."""

from __future__ import annotations

from django.contrib import admin

from escalade.alerts.models import Alert, AlertSource, MaintenanceWindow, RejectedPayload
from escalade.core.admin_site import ViewOnlyModelAdmin


@admin.register(AlertSource)
class AlertSourceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "kind", "organisation", "is_active")
    list_select_related = ("organisation",)
    readonly_fields = ("token",)
    raw_id_fields = ("requester",)


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("reason", "organisation", "starts_at", "ends_at")
    list_select_related = ("organisation",)
    exclude = ("created_by",)


@admin.register(Alert)
class AlertAdmin(ViewOnlyModelAdmin):
    list_display = ("title", "source", "state", "occurrences", "flaps", "last_seen_at")
    list_filter = ("state",)
    list_select_related = ("source",)


@admin.register(RejectedPayload)
class RejectedPayloadAdmin(ViewOnlyModelAdmin):
    list_display = ("received_at", "source", "reason")
    list_select_related = ("source",)
