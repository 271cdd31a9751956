from __future__ import annotations

import datetime as dt

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from escalade.contracts.models import Contract, ContractAlert, HourPackage, OutOfContractDecision
from escalade.core.admin_site import AuditedModelAdmin, ViewOnlyModelAdmin


@admin.register(Contract)
class ContractAdmin(AuditedModelAdmin):
    reference_data = True
    list_display = ("name", "organisation", "reference", "starts_on", "ends_on", "sla_policy", "is_active")
    list_filter = ("is_active", "sla_policy")
    search_fields = ("name", "reference", "organisation__name")
    list_select_related = ("organisation", "sla_policy")
    autocomplete_fields = ("organisation",)
    filter_horizontal = ("categories",)


@admin.register(HourPackage)
class HourPackageAdmin(AuditedModelAdmin):
    """Hour packages are sold here; their totals move only with time entries (``timetracking``)."""

    list_display = (
        "name", "contract", "starts_on", "ends_on", "credit_minutes", "carried_in_minutes",
        "consumed_minutes", "overage_minutes",
    )  # fmt: skip
    list_select_related = ("contract", "contract__organisation")
    search_fields = ("name", "contract__name", "contract__organisation__name")
    autocomplete_fields = ("contract",)
    filter_horizontal = ("activities", "categories")
    readonly_fields = ("consumed_minutes", "overage_minutes")
    actions = ("renew",)

    @admin.action(description=_("Renew for the next period (same length and credit)"))
    def renew(self, request: HttpRequest, queryset: QuerySet[HourPackage]) -> None:
        from escalade.timetracking.credits import package_renew  # noqa: PLC0415 - timetracking builds on contracts

        for package in queryset:
            length = package.ends_on - package.starts_on
            starts_on = package.ends_on + dt.timedelta(days=1)
            package_renew(
                actor=self._actor(request), package=package, starts_on=starts_on, ends_on=starts_on + length,
                credit_minutes=package.credit_minutes,
            )  # fmt: skip


@admin.register(ContractAlert)
class ContractAlertAdmin(ViewOnlyModelAdmin):
    list_display = ("contract", "package", "kind", "key", "sent_at")
    list_select_related = ("contract", "package")


@admin.register(OutOfContractDecision)
class OutOfContractDecisionAdmin(ViewOnlyModelAdmin):
    list_display = ("ticket", "reason", "outcome", "approval", "approved_by", "created_at")
    list_select_related = ("ticket", "approved_by")
