"""Reports in Django's admin: absences and capacities are edited here (audited); surveys are read-only
(answers come from the requesters)."""

from __future__ import annotations

from django.contrib import admin

from escalade.core.admin_site import AuditedModelAdmin, ViewOnlyModelAdmin
from escalade.reports.models import Absence, Capacity, Survey


@admin.register(Absence)
class AbsenceAdmin(AuditedModelAdmin):
    list_display = ("user", "starts_on", "ends_on", "reason")
    list_select_related = ("user",)
    date_hierarchy = "starts_on"


@admin.register(Capacity)
class CapacityAdmin(AuditedModelAdmin):
    list_display = ("user", "open_tickets")
    list_select_related = ("user",)


@admin.register(Survey)
class SurveyAdmin(ViewOnlyModelAdmin):
    list_display = ("ticket", "score", "answered_at", "sent_at")
    list_select_related = ("ticket",)
    list_filter = ("score",)
