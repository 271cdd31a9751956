"""Automation in Django's admin: to look at only. Rules are edited in the desk, whose services check
them and tell every process that they changed (an edit here would do neither)."""

from __future__ import annotations

from django.contrib import admin

from escalade.automation.models import Rule, TimeRule
from escalade.core.admin_site import ViewOnlyModelAdmin


@admin.register(Rule)
class RuleAdmin(ViewOnlyModelAdmin):
    list_display = ("name", "position", "is_active", "stop_processing", "last_error_at")
    list_filter = ("is_active",)


@admin.register(TimeRule)
class TimeRuleAdmin(ViewOnlyModelAdmin):
    list_display = ("name", "state", "after", "unit", "is_business_time", "is_active", "last_error_at")
    list_filter = ("is_active", "state")
