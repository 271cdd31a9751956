"""Forms of the assets pages: the list's filters, the import upload, and the administrators' edit forms
(asset, status, relation, licence and its assignment)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import User
from escalade.assets.models import Asset, AssetKind, AssetStatus, Licence, RelationKind
from escalade.assets.selectors import AssetFilter
from escalade.orgs.models import Organisation, Site


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


class AssetForm(forms.ModelForm):  # type: ignore[type-arg]
    """An asset's attributes on the desk (administrators); the user is named by e-mail and must belong
    to the asset's organisation (checked by the service), as must the site."""

    user_email = forms.EmailField(label=_("User (e-mail)"), required=False)

    class Meta:
        model = Asset
        fields = (
            "kind", "name", "site", "manufacturer", "model", "serial", "inventory_tag", "operating_system",
            "purchase_date", "purchase_cost", "supplier", "warranty_end", "notes", "attributes",
        )  # fmt: skip
        widgets = {
            "purchase_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "warranty_end": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
            "attributes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"attributes": _('What depends on the type, as JSON: {"cpu": "…", "memory_mb": 16384}.')}

    def __init__(self, *args: Any, organisation_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        site = self.fields["site"]
        assert isinstance(site, forms.ModelChoiceField)
        site.queryset = Site.objects.filter(organisation_id__in=list(organisation_ids)).order_by("name")
        if self.instance.pk and self.instance.user_id:
            self.fields["user_email"].initial = self.instance.user.email

    def clean_attributes(self) -> dict[str, Any]:
        value = self.cleaned_data.get("attributes") or {}
        if not isinstance(value, dict):
            raise forms.ValidationError(_("The attributes must be a JSON object."))
        return value

    def values(self, organisation_id: int) -> dict[str, Any]:
        """What to hand to ``asset_create`` / ``asset_update``."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        email = self.cleaned_data.get("user_email") or ""
        values["user"] = (
            User.objects.filter(email__iexact=email, organisation_id=organisation_id).first()
            if email
            else None
        )
        if email and values["user"] is None:
            self.add_error("user_email", _("Nobody of this client has this e-mail address."))
        return values


class AssetCreateForm(AssetForm):
    organisation = forms.ModelChoiceField(label=_("Client"), queryset=Organisation.objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=AssetStatus.choices, initial=AssetStatus.IN_STOCK)

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, organisation_ids=organisations.values_list("pk", flat=True), **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations.order_by("name")
        self.order_fields(["organisation", "status"])


class AssetStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=AssetStatus.choices)


class RelationForm(forms.Form):
    kind = forms.ChoiceField(label=_("Relation"), choices=RelationKind.choices)
    target = forms.CharField(label=_("Other asset (hostname, serial or tag)"), max_length=200)


class LicenceForm(forms.ModelForm):  # type: ignore[type-arg]
    """A licence (administrators): the product is named by publisher and name, folded into the catalogue."""

    publisher = forms.CharField(label=_("Publisher"), max_length=200, required=False)
    product = forms.CharField(label=_("Software"), max_length=200)

    class Meta:
        model = Licence
        fields = ("name", "kind", "quantity", "expires_on", "purchase_date", "cost", "reference", "notes")
        widgets = {
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "purchase_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_fields(["publisher", "product"])
        if self.instance.pk:
            self.fields["publisher"].initial = self.instance.software.publisher
            self.fields["product"].initial = self.instance.software.name


class LicenceCreateForm(LicenceForm):
    organisation = forms.ModelChoiceField(label=_("Client"), queryset=Organisation.objects.none())

    def __init__(self, *args: Any, organisations: QuerySet[Organisation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = organisations.order_by("name")
        self.order_fields(["organisation", "publisher", "product"])


class LicenceAssignForm(forms.Form):
    asset = forms.CharField(label=_("Asset (hostname, serial or tag)"), max_length=200, required=False)
    email = forms.EmailField(label=_("Or a person (e-mail)"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("asset")) == bool(data.get("email")):
            raise forms.ValidationError(_("Assign the licence to an asset or to a person."))
        return data
