"""The supervisor's form to swap a shift."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Role, User


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's date-and-time picker; its value is ISO whatever the language."""

    input_type = "datetime-local"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M")


class OverrideForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Who is on call"),
        queryset=User.objects.filter(
            is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR]
        ).order_by("full_name"),
    )
    starts_at = forms.DateTimeField(label=_("From"), widget=LocalDateTimeInput())
    ends_at = forms.DateTimeField(label=_("Until"), widget=LocalDateTimeInput())
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
