"""Forms of the requester portal; a category's custom fields become form fields of their own type."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from escalade.core.forms import MultipleFileField
from escalade.core.widgets import IsoDateInput
from escalade.tickets.choices import FieldType, Urgency
from escalade.tickets.models import Category, CategoryField

CUSTOM_PREFIX = "cf_"


def custom_field(field: CategoryField) -> forms.Field:
    """The form field for one of a category's typed fields."""
    common: dict[str, Any] = {"label": field.label, "required": field.is_required}
    if field.field_type == FieldType.NUMBER:
        return forms.FloatField(**common)
    if field.field_type == FieldType.DATE:
        return forms.DateField(widget=IsoDateInput(), **common)
    if field.field_type == FieldType.CHOICE:
        return forms.ChoiceField(choices=[("", "—"), *((c, c) for c in field.choices)], **common)
    if field.field_type == FieldType.BOOLEAN:
        return forms.BooleanField(**{**common, "required": False})
    return forms.CharField(max_length=500, **common)


class PortalTicketForm(forms.Form):
    """Ask for help: what, which category (and its own fields), how urgent, files."""

    title = forms.CharField(label=_("Subject"), max_length=200)
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none(), required=False)
    description = forms.CharField(
        max_length=settings.ESCALADE_TEXT_MAX_CHARS,
        label=_("Describe the problem or the request"),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.MEDIUM
    )
    attachments = MultipleFileField(label=_("Attachments"))

    def __init__(
        self, *args: Any, categories: Any, category_fields: Iterable[CategoryField] = (), assets: Any = None,
        **kwargs: Any,
    ):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories  # type: ignore[attr-defined]
        if assets is not None and assets.exists():  # "which equipment?": the requester's own assets
            self.fields["asset"] = forms.ModelChoiceField(
                label=_("Which equipment?"),
                queryset=assets,
                required=False,
                empty_label=_("None / I don't know"),
            )
        self.fields["title"].widget.attrs["autocomplete"] = "off"
        for field in category_fields:
            self.fields[CUSTOM_PREFIX + field.key] = custom_field(field)

    def custom_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(CUSTOM_PREFIX)]

    def custom_values(self) -> dict[str, object]:
        """The custom fields' cleaned values as the ticket stores them (dates as ISO text)."""
        values: dict[str, object] = {}
        for name, value in self.cleaned_data.items():
            if not name.startswith(CUSTOM_PREFIX) or value in (None, ""):
                continue
            values[name.removeprefix(CUSTOM_PREFIX)] = (
                value.isoformat() if hasattr(value, "isoformat") else value
            )
        return values


class PortalReplyForm(forms.Form):
    body = forms.CharField(
        max_length=settings.ESCALADE_TEXT_MAX_CHARS,
        label=_("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    attachments = MultipleFileField(label=_("Attachments"))


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=settings.ESCALADE_TEXT_MAX_CHARS, label=_("Why?"), widget=forms.Textarea(attrs={"rows": 2})
    )
