"""The reports' filter form: period, client, team, agent, category, channel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Team, User
from escalade.orgs.models import Organisation
from escalade.tickets.choices import Channel
from escalade.tickets.models import Category

MAX_PERIOD_DAYS = 3 * 366


def month_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of ``day``'s month."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    organisation = forms.ModelChoiceField(
        queryset=Organisation.objects.none(), label=_("Client"), required=False
    )
    team = forms.ModelChoiceField(queryset=Team.objects.none(), label=_("Team"), required=False)
    agent = forms.ModelChoiceField(queryset=User.objects.none(), label=_("Agent"), required=False)
    category = forms.ModelChoiceField(queryset=Category.objects.none(), label=_("Category"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)

    def __init__(self, *args: Any, organisations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.filter(is_active=True).order_by("name")  # type: ignore[attr-defined]
        self.fields["agent"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, role__in=("agent", "supervisor")
        ).order_by("full_name")
        self.fields["category"].queryset = Category.objects.order_by("name_fr")  # type: ignore[attr-defined]
        self.fields["channel"].choices = [("", "—"), *Channel.choices]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = month_bounds(timezone.localdate())
        data["start"] = data.get("start") or first
        data["end"] = data.get("end") or last
        if data["end"] < data["start"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        if (data["end"] - data["start"]).days > MAX_PERIOD_DAYS:
            raise forms.ValidationError(_("A report covers at most three years."))
        return data
