"""Forms of time tracking: a time entry (manual or on stopping the timer), an export's month."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalade.timetracking.models import ActivityType

DURATION = re.compile(r"^\s*(?:(\d{1,2})\s*[h:]\s*(\d{1,2})?|(\d{1,4}))\s*(?:min)?\s*$", re.IGNORECASE)


def parse_duration(text: str) -> int | None:
    """Minutes from ``90``, ``1:30``, ``1h30`` or ``2h``; None when unreadable."""
    match = DURATION.match(text)
    if match is None:
        return None
    hours, minutes, only_minutes = match.groups()
    if only_minutes is not None:
        return int(only_minutes)
    return int(hours) * 60 + int(minutes or 0)


class EntryForm(forms.Form):
    """A time entry: activity, duration, date, billable, note."""

    activity = forms.ModelChoiceField(label=_("Activity"), queryset=ActivityType.objects.none())
    duration = forms.CharField(
        label=_("Duration"), max_length=12, help_text=_("Minutes (45) or hours:minutes (1:30).")
    )
    worked_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    is_billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("worked_on", timezone.localdate())
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = ActivityType.objects.filter(is_active=True)  # type: ignore[attr-defined]

    def clean_duration(self) -> int:
        minutes = parse_duration(self.cleaned_data["duration"])
        if not minutes:
            raise forms.ValidationError(_("Write the duration in minutes (45) or hours:minutes (1:30)."))
        return minutes


class StopForm(forms.Form):
    """What the time measured by the timer was spent on."""

    activity = forms.ModelChoiceField(label=_("Activity"), queryset=ActivityType.objects.none())
    is_billable = forms.BooleanField(label=_("Billable"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["activity"].queryset = ActivityType.objects.filter(is_active=True)  # type: ignore[attr-defined]


class MonthForm(forms.Form):
    """The month of an export or of the client manager's page (``2026-11``)."""

    month = forms.RegexField(regex=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", required=False)

    def month_start(self) -> dt.date:
        value = self.cleaned_data.get("month") if self.is_valid() else ""
        if not value:
            return timezone.localdate().replace(day=1)
        year, month = value.split("-")
        return dt.date(int(year), int(month), 1)
