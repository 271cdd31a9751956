"""Admin for business calendars and SLA policies; a saved change recomputes the open tickets' due dates."""

from __future__ import annotations

from collections import defaultdict
from datetime import time
from typing import Any

import holidays
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from escalade.core.admin_site import AuditedModelAdmin
from escalade.sla.businesstime import WorkingCalendar
from escalade.sla.models import BusinessCalendar, ClosureDay, SlaPolicy, SlaTarget, WorkingInterval
from escalade.sla.tasks import sla_recompute_on_commit
from escalade.tickets.choices import State
from escalade.tickets.models import OPEN_STATE_VALUES

# The fields whose change can move stored due dates (warnings and breach actions are read live).
CALENDAR_CLOCK_FIELDS = frozenset({"time_zone", "holiday_country", "holiday_subdivision", "is_always_open"})
POLICY_CLOCK_FIELDS = frozenset({"calendar", "pause_states", "reset_on_reopen", "pause_first_response"})


class BusinessCalendarForm(forms.ModelForm):  # type: ignore[type-arg]
    """Refuses a country/region the ``holidays`` package does not know, before any ticket needs it."""

    class Meta:
        model = BusinessCalendar
        fields = ("name", "time_zone", "holiday_country", "holiday_subdivision", "is_always_open")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        country = (cleaned.get("holiday_country") or "").upper()
        subdivision = cleaned.get("holiday_subdivision") or None
        if country:
            try:
                holidays.country_holidays(country, subdiv=subdivision, years=[])
            except NotImplementedError as error:
                raise ValidationError(
                    _("No public holidays are known for this country and region."), code="holidays"
                ) from error
            cleaned["holiday_country"] = country
        return cleaned


class WorkingHoursFormSet(BaseInlineFormSet):  # type: ignore[type-arg]
    """The week must have working time (unless open 24/7), in sorted, non-overlapping intervals."""

    def clean(self) -> None:
        super().clean()
        if self.instance.is_always_open:
            return
        weekly: dict[int, list[tuple[time, time]]] = defaultdict(list)
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if data and not data.get("DELETE") and data.get("start") and data.get("end") is not None:
                weekly[data["weekday"]].append((data["start"], data["end"]))
        try:
            # The same checks the clock makes; the zone is irrelevant to them.
            WorkingCalendar(
                time_zone="UTC", weekly={day: tuple(sorted(spans)) for day, spans in weekly.items()}
            )
        except ValueError as error:
            raise ValidationError(
                _("These working hours cannot be used: %(problem)s"), params={"problem": error}, code="hours"
            ) from error


class WorkingIntervalInline(admin.TabularInline):  # type: ignore[type-arg]
    model = WorkingInterval
    formset = WorkingHoursFormSet
    extra = 0


class ClosureDayInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ClosureDay
    extra = 0


def _moves_due_dates(form: forms.ModelForm[Any], formsets: Any, fields: frozenset[str]) -> bool:
    """Whether the saved change may move due dates: a clock field, or any hours/closure/target row."""
    return bool(fields.intersection(form.changed_data)) or any(formset.has_changed() for formset in formsets)


@admin.register(BusinessCalendar)
class BusinessCalendarAdmin(AuditedModelAdmin):
    reference_data = True
    form = BusinessCalendarForm
    list_display = ("name", "time_zone", "holiday_country", "holiday_subdivision", "is_always_open")
    search_fields = ("name",)
    inlines = (WorkingIntervalInline, ClosureDayInline)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        if change and _moves_due_dates(form, formsets, CALENDAR_CLOCK_FIELDS):
            sla_recompute_on_commit(calendar_id=form.instance.pk)


class SlaPolicyForm(forms.ModelForm):  # type: ignore[type-arg]
    """Pause states are picked among the open states rather than typed as JSON."""

    pause_states = forms.MultipleChoiceField(
        label=_("states that pause the clock"),
        choices=[(state, State(state).label) for state in OPEN_STATE_VALUES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = SlaPolicy
        fields = (
            "name", "calendar", "warning_percent", "pause_states", "reset_on_reopen", "pause_first_response",
            "escalate_on_breach",
            "raise_priority_on_breach", "notify_supervisor_on_breach", "is_default",
        )  # fmt: skip

    def clean_warning_percent(self) -> int:
        percent: int = self.cleaned_data["warning_percent"]
        if percent > 100:
            raise ValidationError(
                _("The warning cannot come after the whole target has elapsed."), code="percent"
            )
        return percent


class SlaTargetInline(admin.TabularInline):  # type: ignore[type-arg]
    model = SlaTarget
    extra = 0


@admin.register(SlaPolicy)
class SlaPolicyAdmin(AuditedModelAdmin):
    reference_data = True
    form = SlaPolicyForm
    list_display = (
        "name",
        "calendar",
        "warning_percent",
        "reset_on_reopen",
        "escalate_on_breach",
        "is_default",
    )
    list_filter = ("calendar",)
    list_select_related = ("calendar",)
    search_fields = ("name",)
    inlines = (SlaTargetInline,)

    def save_related(
        self, request: HttpRequest, form: forms.ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)
        if change and _moves_due_dates(form, formsets, POLICY_CLOCK_FIELDS):
            sla_recompute_on_commit(policy_id=form.instance.pk)
