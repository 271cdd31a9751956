"""Automation in Django's admin: to look at only. Rules are edited in the desk, whose services check
them and tell every process that they changed (an edit here would do neither)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from escalade.automation.models import Rule, TimeRule


class _ViewOnly(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Rule)
class RuleAdmin(_ViewOnly):
    list_display = ("name", "position", "is_active", "stop_processing", "last_error_at")
    list_filter = ("is_active",)


@admin.register(TimeRule)
class TimeRuleAdmin(_ViewOnly):
    list_display = ("name", "state", "after", "unit", "is_business_time", "is_active", "last_error_at")
    list_filter = ("is_active", "state")
