from django import forms
from django.contrib import admin

from escalade.core.admin_site import AuditedModelAdmin
from escalade.identity.models import SingleSignOnProvider


class ProviderForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = SingleSignOnProvider
        fields = "__all__"  # noqa: DJ007 - every field is configuration
        widgets = {"client_secret": forms.PasswordInput(render_value=True)}


@admin.register(SingleSignOnProvider)
class SingleSignOnProviderAdmin(AuditedModelAdmin):
    form = ProviderForm
    list_display = ("name", "slug", "creates_accounts", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    filter_horizontal = ("organisations",)
