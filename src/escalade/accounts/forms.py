"""Forms of the accounts pages: sign-in and the person's own profile."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Language


class SignInForm(AuthenticationForm):
    """Django's sign-in form, labelled for an e-mail address."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("E-mail address")
        self.fields["username"].widget = forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})


def _time_zone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class ProfileForm(forms.Form):
    """What a person may change about themselves."""

    full_name = forms.CharField(label=_("Full name"), max_length=200)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=_time_zone_choices)


class LanguageForm(forms.Form):
    """The language switch in the page header."""

    language = forms.ChoiceField(choices=Language.choices)
    next = forms.CharField(required=False)
