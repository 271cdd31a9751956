"""Support contracts between the provider and a client organisation."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.orgs.models import Organisation
from escalade.sla.models import BusinessCalendar, SlaPolicy


class OutOfContractOutcome(models.TextChoices):
    """What happens to a request outside the contract, as the contract says."""

    BILLABLE = "billable", _("Accepted and billed")
    APPROVAL = "approval", _("Needs the client manager's approval")
    REFUSED = "refused", _("Refused")


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
    out_of_contract_outcome = models.CharField(
        _("outside the contract"),
        max_length=10,
        choices=OutOfContractOutcome.choices,
        default=OutOfContractOutcome.BILLABLE,
    )
    renews_on = models.DateField(_("renewal date"), null=True, blank=True)

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


class HourPackage(models.Model):
    """Prepaid hours of a contract, valid for a period (ADR 0017).

    Billable time entries inside the period draw it down, after rounding (per started
    ``rounding_minutes``, at least ``minimum_minutes`` an entry); what exceeds the credit is overage.
    ``carried_in_minutes`` came from the previous package when that one carried its unused credit over.
    No activity or category listed means every one draws on the package.
    """

    contract = models.ForeignKey(
        Contract, verbose_name=_("contract"), on_delete=models.CASCADE, related_name="hour_packages"
    )
    name = models.CharField(_("name"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    credit_minutes = models.PositiveIntegerField(_("credit (minutes)"))
    carried_in_minutes = models.PositiveIntegerField(_("carried over (minutes)"), default=0)
    carry_over = models.BooleanField(_("carry unused hours over"), default=False)
    rounding_minutes = models.PositiveSmallIntegerField(_("round up to started minutes"), default=15)
    minimum_minutes = models.PositiveSmallIntegerField(_("minimum per intervention (minutes)"), default=0)
    activities = models.ManyToManyField(
        "timetracking.ActivityType", verbose_name=_("activities drawn"), related_name="+", blank=True
    )
    categories = models.ManyToManyField(
        "tickets.Category", verbose_name=_("categories drawn"), related_name="+", blank=True
    )
    # Running totals, changed only under a row lock (``timetracking.services``).
    consumed_minutes = models.PositiveIntegerField(_("consumed (minutes)"), default=0)
    overage_minutes = models.PositiveIntegerField(_("overage (minutes)"), default=0)

    class Meta:
        verbose_name = _("hour package")
        verbose_name_plural = _("hour packages")
        ordering = ("contract", "-starts_on")
        indexes = (models.Index(fields=("contract", "starts_on"), name="hourpackage_contract_idx"),)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="hourpackage_dates_ordered"
            ),
        )

    def __str__(self) -> str:
        return f"{self.contract} — {self.name}"

    @property
    def available_minutes(self) -> int:
        return self.credit_minutes + self.carried_in_minutes

    @property
    def remaining_minutes(self) -> int:
        return max(self.available_minutes - self.consumed_minutes, 0)


class ContractAlert(models.Model):
    """One alert sent about a contract (a credit threshold, an end or renewal date): the unique key
    makes each alert go out exactly once, whichever worker or request gets there first."""

    class Kind(models.TextChoices):
        THRESHOLD = "threshold", _("Credit threshold")
        ENDING = "ending", _("Contract ending")
        RENEWAL = "renewal", _("Contract renewal")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="alerts")
    package = models.ForeignKey(
        HourPackage, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=40)  # the threshold (``90``) or the date
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("contract alert")
        verbose_name_plural = _("contract alerts")
        constraints = (
            models.UniqueConstraint(fields=("contract", "kind", "key"), name="contractalert_once",
                                    condition=models.Q(package__isnull=True)),
            models.UniqueConstraint(fields=("package", "kind", "key"), name="contractalert_package_once",
                                    condition=models.Q(package__isnull=False)),
        )  # fmt: skip

    def __str__(self) -> str:
        return f"{self.contract_id} {self.kind} {self.key}"


class OutOfContractDecision(models.Model):
    """What was said at intake about a request outside the contract, and the client manager's answer."""

    class Reason(models.TextChoices):
        CATEGORY = "category", _("Category not covered by the contract")
        VALIDITY = "validity", _("Outside the contract's validity dates")
        HOURS = "hours", _("Outside the contract's support hours")
        CREDIT = "credit", _("The hour credit is exhausted")

    class Approval(models.TextChoices):
        NOT_NEEDED = "not_needed", _("Not needed")
        PENDING = "pending", _("Waiting for the client manager")
        APPROVED = "approved", _("Approved by the client manager")
        REFUSED = "refused", _("Refused by the client manager")

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="out_of_contract_decision"
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    outcome = models.CharField(_("outcome"), max_length=10, choices=OutOfContractOutcome.choices)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approval = models.CharField(_("approval"), max_length=10, choices=Approval.choices)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("out-of-contract decision")
        verbose_name_plural = _("out-of-contract decisions")

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.reason} {self.outcome}"
