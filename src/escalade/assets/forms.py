"""Forms of the assets pages: the list's filters and the import upload."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from escalade.assets.models import AssetKind, AssetStatus
from escalade.assets.selectors import AssetFilter
from escalade.orgs.models import Organisation


class AssetFilterForm(forms.Form):
    """The desk list's filters; :meth:`group` turns them into a reusable :class:`AssetFilter`."""

    organisation = forms.ModelChoiceField(
        label=_("Client"), queryset=Organisation.objects.none(), required=False
    )
    site = forms.IntegerField(label=_("Site"), required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *AssetKind.choices], required=False)
    status = forms.ChoiceField(label=_("Status"), choices=[("", "—"), *AssetStatus.choices], required=False)
    warranty_days = forms.IntegerField(
        label=_("Warranty ends within (days)"), min_value=0, max_value=3650, required=False
    )
    unseen_days = forms.IntegerField(
        label=_("Not seen for (days)"), min_value=0, max_value=3650, required=False
    )
    q = forms.CharField(label=_("Serial, hostname, tag, MAC or IP"), max_length=200, required=False)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations.order_by("name")

    def group(self) -> AssetFilter:
        data = self.cleaned_data
        return AssetFilter(
            organisation_ids=(data["organisation"].pk,) if data.get("organisation") else (),
            site_ids=(data["site"],) if data.get("site") else (),
            kinds=(data["kind"],) if data.get("kind") else (),
            statuses=(data["status"],) if data.get("status") else (),
            warranty_ending_within_days=data.get("warranty_days"),
            not_seen_for_days=data.get("unseen_days"),
            text=data.get("q") or "",
        )


class AssetImportForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Client"), queryset=Organisation.objects.none())
    file = forms.FileField(label=_("CSV or XLSX file"))

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations.order_by("name")
