"""Support contracts between the provider and a client organisation."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.orgs.models import Organisation
from escalade.sla.models import BusinessCalendar, SlaPolicy


class Contract(models.Model):
    """What the provider owes a client: validity dates, covered categories, support hours, SLA policy.

    No covered category means every category is covered.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="contracts"
    )
    name = models.CharField(_("name"), max_length=200)
    reference = models.CharField(_("contract number"), max_length=60, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    categories = models.ManyToManyField(
        "tickets.Category", verbose_name=_("covered categories"), related_name="contracts", blank=True
    )
    support_calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("support hours"), on_delete=models.PROTECT, related_name="contracts"
    )
    sla_policy = models.ForeignKey(
        SlaPolicy, verbose_name=_("SLA policy"), on_delete=models.PROTECT, related_name="contracts"
    )
    is_active = models.BooleanField(_("active"), default=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ("organisation", "-starts_on")
        indexes = (models.Index(fields=("organisation", "is_active", "starts_on"), name="contract_org_idx"),)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="contract_dates_ordered",
            ),
        )

    def __str__(self) -> str:
        return f"{self.organisation} — {self.name}"
