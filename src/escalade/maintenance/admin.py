"""Preventive maintenance in Django's admin: plans and items to renew may be corrected here (the desk
pages are the usual way); occurrences and their answers are read-only (written by the services)."""

from __future__ import annotations

from django.contrib import admin

from escalade.core.admin_site import AuditedModelAdmin, ViewOnlyModelAdmin
from escalade.maintenance.models import ExpiringItem, MaintenanceOccurrence, MaintenancePlan


@admin.register(MaintenancePlan)
class MaintenancePlanAdmin(AuditedModelAdmin):
    list_display = (
        "name",
        "organisation",
        "recurrence",
        "at_time",
        "time_zone",
        "team",
        "agent",
        "is_active",
    )
    list_filter = ("is_active", "holiday_rule")
    list_select_related = ("organisation", "team", "agent")
    raw_id_fields = ("contact", "agent")


@admin.register(MaintenanceOccurrence)
class MaintenanceOccurrenceAdmin(ViewOnlyModelAdmin):
    list_display = ("plan", "organisation", "scheduled_for", "due_at", "state", "ticket", "incident")
    list_filter = ("state",)
    list_select_related = ("plan", "organisation", "ticket", "incident")
    date_hierarchy = "scheduled_for"


@admin.register(ExpiringItem)
class ExpiringItemAdmin(AuditedModelAdmin):
    list_display = ("name", "kind", "expires_on", "organisation", "owner", "source", "renewal_ticket")
    list_filter = ("kind",)
    list_select_related = ("organisation", "owner", "renewal_ticket")
    raw_id_fields = ("owner", "renewal_ticket")
