"""Desk forms of automation: the rule's own fields; its condition and action rows are read from
repeated inputs (``condition-field``, ``action-type``…), one row per position, empty rows ignored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from escalade.automation.models import TimeRule, TimeUnit, Trigger
from escalade.orgs.models import Organisation
from escalade.tickets.choices import OPEN_STATES, Priority, State

MATCH_CHOICES = (("all", _("all the conditions")), ("any", _("any of the conditions")))


class RuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    triggers = forms.MultipleChoiceField(
        label=_("When"), choices=Trigger.choices, widget=forms.CheckboxSelectMultiple
    )
    organisation = forms.ModelChoiceField(
        label=_("Only for"), queryset=Organisation.objects.order_by("name"), required=False,
        empty_label=_("every organisation"),
    )  # fmt: skip
    match = forms.ChoiceField(label=_("Match"), choices=MATCH_CHOICES, initial="all")
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    stop_processing = forms.BooleanField(label=_("Stop the rules after this one"), required=False)


class TimeRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    state = forms.ChoiceField(
        label=_("Tickets in the state"),
        choices=[(s.value, s.label) for s in State if s in OPEN_STATES or s == State.RESOLVED],
    )
    after = forms.IntegerField(label=_("For"), min_value=1)
    unit = forms.ChoiceField(label=_("Unit"), choices=TimeUnit.choices)
    is_business_time = forms.BooleanField(label=_("Count business time only"), required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=[("", _("any")), *Priority.choices], coerce=int, empty_value=None,
        required=False,
    )  # fmt: skip
    is_unassigned_only = forms.BooleanField(label=_("Unassigned tickets only"), required=False)
    organisation = forms.ModelChoiceField(
        label=_("Only for"), queryset=Organisation.objects.order_by("name"), required=False,
        empty_label=_("every organisation"),
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    @classmethod
    def initial_of(cls, rule: TimeRule) -> dict[str, Any]:
        return {
            "name": rule.name, "state": rule.state, "after": rule.after, "unit": rule.unit,
            "is_business_time": rule.is_business_time, "priority": rule.priority,
            "is_unassigned_only": rule.is_unassigned_only, "organisation": rule.organisation_id,
            "is_active": rule.is_active,
        }  # fmt: skip


def condition_rows(data: QueryDict) -> list[dict[str, str]]:
    """The filled condition rows of a submitted form, in order."""
    rows = zip(
        data.getlist("condition-field"), data.getlist("condition-operator"), data.getlist("condition-value"),
        strict=False,
    )  # fmt: skip
    return [{"field": f, "operator": o, "value": v.strip()} for f, o, v in rows if f]


def action_rows(data: QueryDict) -> list[dict[str, object]]:
    """The filled action rows of a submitted form, in order, as ``{"type", "params"}``."""
    rows = zip(
        data.getlist("action-type"), data.getlist("action-value"), data.getlist("action-text"), strict=False
    )
    return [{"type": t, "params": {"value": v.strip(), "text": x.strip()}} for t, v, x in rows if t]
