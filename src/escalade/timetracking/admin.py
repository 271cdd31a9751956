"""Time tracking in Django's admin: activity types are configured here; entries are read-only (they
are written through the services, which draw the packages and record the events)."""

from __future__ import annotations

from django.contrib import admin

from escalade.core.admin_site import AuditedModelAdmin, ViewOnlyModelAdmin
from escalade.timetracking.models import ActivityType, TimeEntry


@admin.register(ActivityType)
class ActivityTypeAdmin(AuditedModelAdmin):
    list_display = ("code", "name_fr", "name_en", "is_billable", "is_active")
    list_filter = ("is_active", "is_billable")


@admin.register(TimeEntry)
class TimeEntryAdmin(ViewOnlyModelAdmin):
    list_display = (
        "ticket",
        "agent",
        "activity",
        "worked_on",
        "minutes",
        "is_billable",
        "billed_minutes",
        "package",
    )
    list_select_related = ("ticket", "agent", "activity", "package")
    date_hierarchy = "worked_on"
