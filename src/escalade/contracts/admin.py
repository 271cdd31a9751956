from django.contrib import admin

from escalade.contracts.models import Contract
from escalade.core.admin_site import AuditedModelAdmin


@admin.register(Contract)
class ContractAdmin(AuditedModelAdmin):
    list_display = ("name", "organisation", "reference", "starts_on", "ends_on", "sla_policy", "is_active")
    list_filter = ("is_active", "sla_policy")
    search_fields = ("name", "reference", "organisation__name")
    list_select_related = ("organisation", "sla_policy")
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("categories",)
