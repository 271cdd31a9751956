"""The notification preferences form: one choice of channel per kind of news the person's role receives."""

from __future__ import annotations

from typing import Any

from django import forms

from escalade.accounts.models import User
from escalade.notifications.models import Channel, NotificationKind
from escalade.notifications.preferences import preferences_of


class PreferencesForm(forms.Form):
    """A radio group per kind; initial values are the person's current channels."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, channel in preferences_of(user).items():
            self.fields[kind] = forms.ChoiceField(
                label=NotificationKind(kind).label, choices=Channel.choices, initial=channel,
                widget=forms.RadioSelect,
            )  # fmt: skip
