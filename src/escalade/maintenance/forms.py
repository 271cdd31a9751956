"""Forms of the maintenance pages: a plan, a checklist, a calendar filter, an item to renew."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Team, User
from escalade.assets.selectors import AssetFilter
from escalade.maintenance.models import ExpiringItem, ExpiringKind, HolidayRule, MaintenancePlan, Outcome
from escalade.maintenance.services import PLAN_FIELDS
from escalade.orgs.models import Organisation, Site
from escalade.sla.models import BusinessCalendar


class PlanForm(forms.ModelForm):  # type: ignore[type-arg]
    """A plan; the steps one per line, the asset group as the JSON of an asset filter."""

    steps_text = forms.CharField(
        label=_("Checklist steps"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("One step per line."),
    )
    asset_filter_text = forms.CharField(
        label=_("Group of assets"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('A saved asset filter, e.g. {"kinds": ["server"], "site_ids": [3]}; empty: none.'),
    )

    class Meta:
        model = MaintenancePlan
        # What the service saves, but the group of assets and the steps (typed as text, cleaned below).
        fields = tuple(name for name in PLAN_FIELDS if name not in {"asset_filter", "steps"})
        widgets = {
            "first_date": forms.DateInput(attrs={"type": "date"}),
            "at_time": forms.TimeInput(attrs={"type": "time"}),
        }

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if organisations is not None:
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["site"].queryset = Site.objects.select_related("organisation")  # type: ignore[attr-defined]
        self.fields["team"].queryset = Team.objects.filter(is_active=True)  # type: ignore[attr-defined]
        self.fields["agent"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, organisation__kind=Organisation.Kind.PROVIDER
        )
        self.fields["contact"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, organisation__kind=Organisation.Kind.CLIENT
        ).select_related("organisation")
        self.fields["calendar"].queryset = BusinessCalendar.objects.all()  # type: ignore[attr-defined]
        self.fields["holiday_rule"].choices = HolidayRule.choices  # type: ignore[attr-defined]
        if self.instance.pk:
            self.initial["steps_text"] = "\n".join(self.instance.steps)
            self.initial["asset_filter_text"] = (
                json.dumps(self.instance.asset_filter) if self.instance.asset_filter else ""
            )

    def clean_asset_filter_text(self) -> dict[str, Any]:
        text = self.cleaned_data["asset_filter_text"].strip()
        if not text:
            return {}
        try:
            data = json.loads(text)
            return AssetFilter.from_json(data).as_json() if isinstance(data, dict) else _bad()
        except (ValueError, TypeError) as error:
            raise forms.ValidationError(_("Not a valid asset filter.")) from error

    def values(self) -> dict[str, Any]:
        """What ``plan_save`` takes."""
        values = {name: self.cleaned_data[name] for name in self._meta.fields or ()}
        values["steps"] = self.cleaned_data["steps_text"].splitlines()
        values["asset_filter"] = self.cleaned_data["asset_filter_text"]
        return values


def _bad() -> dict[str, Any]:
    raise ValueError("a JSON object is expected")


class CalendarForm(forms.Form):
    month = forms.CharField(required=False)
    organisation = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    team = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)
    agent = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1)

    def month_start(self, today: dt.date) -> dt.date:
        text = (self.cleaned_data.get("month") or "") if self.is_valid() else ""
        year, _dash, month = text.partition("-")
        try:
            return dt.date(int(year), int(month), 1)
        except ValueError:
            return today.replace(day=1)


class ExpiringItemForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ExpiringItem
        fields = ("kind", "name", "expires_on", "organisation", "owner", "notes")
        widgets = {"expires_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args: Any, organisations: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = ExpiringKind.choices  # type: ignore[attr-defined]
        if organisations is not None:
            self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["owner"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            is_active=True, organisation__kind=Organisation.Kind.CLIENT
        )


OUTCOME_CHOICES = [("", "—"), *Outcome.choices]


class ChecklistForm(forms.Form):
    """One result, note and optional evidence file per step of an occurrence's checklist."""

    def __init__(self, *args: Any, answers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answers = list(answers)
        for answer in self.answers:
            position = answer.position
            self.fields[f"outcome_{position}"] = forms.ChoiceField(
                label=answer.label, choices=OUTCOME_CHOICES, required=False, initial=answer.outcome
            )
            self.fields[f"note_{position}"] = forms.CharField(
                label=_("Note"), required=False, initial=answer.note, max_length=4000
            )
            self.fields[f"evidence_{position}"] = forms.FileField(label=_("Evidence"), required=False)

    def rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField, forms.BoundField]]:
        return [
            (
                answer,
                self[f"outcome_{answer.position}"],
                self[f"note_{answer.position}"],
                self[f"evidence_{answer.position}"],
            )
            for answer in self.answers
        ]
