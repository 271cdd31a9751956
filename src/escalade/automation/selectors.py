"""Reads of automation for the desk."""

from __future__ import annotations

from django.db.models import QuerySet

from escalade.automation.models import Rule, TimeRule


def rules_list() -> QuerySet[Rule]:
    """Every rule, in run order (a few hundred at most: no paging)."""
    return Rule.objects.select_related("organisation").order_by("position", "id")


def time_rules_list() -> QuerySet[TimeRule]:
    return TimeRule.objects.select_related("organisation").order_by("position", "id")
