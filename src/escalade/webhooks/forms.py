"""The webhook form of the desk (administrators)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from escalade.orgs.models import Organisation
from escalade.webhooks.payloads import EVENT_LABELS


class WebhookForm(forms.Form):
    """Name, target, event types and scope of a webhook (the services check the rest)."""

    name = forms.CharField(label=_("Name"), max_length=120)
    url = forms.CharField(
        label=_("URL"), max_length=500,
        help_text=_("The https:// address that receives the events (console: writes them to the log)."),
    )  # fmt: skip
    event_types = forms.MultipleChoiceField(
        label=_("Events"), choices=list(EVENT_LABELS.items()), widget=forms.CheckboxSelectMultiple
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.none(), required=False,
        empty_label=_("All organisations"),
        help_text=_("A webhook of one client receives only what that client's people see of their tickets."),
    )  # fmt: skip
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.filter(kind=Organisation.Kind.CLIENT).order_by("name")
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
