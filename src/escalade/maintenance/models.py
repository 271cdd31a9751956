"""Preventive maintenance (ADR 0023): plans with a checklist and an RFC 5545 recurrence, their
occurrences (each a ticket of kind "maintenance" plus the checklist answers), the items whose renewal is
due (warranties, licences, contracts, certificates, domains), and the secrets behind the iCal feeds."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.orgs.models import validate_time_zone


class HolidayRule(models.TextChoices):
    KEEP = "keep", _("Keep the date")
    SKIP = "skip", _("Skip the occurrence")
    NEXT_WORKING_DAY = "next_working_day", _("Move to the next working day")


class MaintenancePlan(models.Model):
    """What to check (ordered ``steps``), for whom (a client, one of its sites, or a saved asset filter),
    who does it (team, agent), and when (``recurrence``: an RRULE evaluated in ``time_zone`` from
    ``first_date`` at ``at_time``, wall-clock time kept across DST changes)."""

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("client"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "orgs.Site",
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    asset_filter: models.JSONField[dict[str, object]] = models.JSONField(
        _("group of assets"),
        default=dict,
        blank=True,
        help_text=_("A saved asset filter (assets.selectors.AssetFilter as JSON); empty: none."),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    steps: models.JSONField[list[str]] = models.JSONField(_("checklist steps"), default=list)
    team = models.ForeignKey(
        "accounts.Team",
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("client contact"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The client's person the maintenance tickets are logged for."),
    )
    recurrence = models.CharField(
        _("recurrence (RRULE)"), max_length=500, help_text=_("For example FREQ=WEEKLY;BYDAY=MO.")
    )
    first_date = models.DateField(_("first date"))
    at_time = models.TimeField(_("time of day"))
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    duration_minutes = models.PositiveIntegerField(_("time allowed (minutes)"), default=240)
    lead_days = models.PositiveSmallIntegerField(_("created this many days ahead"), default=7)
    holiday_rule = models.CharField(
        _("on a holiday"), max_length=20, choices=HolidayRule.choices, default=HolidayRule.NEXT_WORKING_DAY
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        verbose_name=_("working days of"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    silences_alerts = models.BooleanField(_("silence the client's alerts during the work"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("maintenance plan")
        verbose_name_plural = _("maintenance plans")
        ordering = ("organisation", "name")
        indexes = (models.Index(fields=("organisation", "name"), name="maintplan_org_idx"),)

    def __str__(self) -> str:
        return self.name


class OccurrenceState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    FAILED = "failed", _("Done, check failed")
    MISSED = "missed", _("Missed")


class MaintenanceOccurrence(models.Model):
    """One due check of a plan: its ticket (kind "maintenance"), its answers, and the incident opened
    when a step failed or the check was missed. Unique on (plan, scheduled_for): created exactly once
    whatever the number of workers."""

    plan = models.ForeignKey(MaintenancePlan, on_delete=models.CASCADE, related_name="occurrences")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    scheduled_for = models.DateTimeField(_("scheduled for"))
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=12, choices=OccurrenceState.choices, default=OccurrenceState.SCHEDULED
    )
    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="maintenance"
    )
    incident = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("incident"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("maintenance occurrence")
        verbose_name_plural = _("maintenance occurrences")
        ordering = ("scheduled_for", "id")
        constraints = (models.UniqueConstraint(fields=("plan", "scheduled_for"), name="maintocc_once"),)
        indexes = (
            models.Index(fields=("organisation", "scheduled_for"), name="maintocc_org_idx"),
            models.Index(fields=("agent", "scheduled_for"), name="maintocc_agent_idx"),
            models.Index(fields=("team", "scheduled_for"), name="maintocc_team_idx"),
            # The missed-check sweep reads only the open occurrences, by due time.
            models.Index(
                fields=("due_at",), name="maintocc_open_due_idx", condition=models.Q(state="scheduled")
            ),
        )

    def __str__(self) -> str:
        return f"{self.plan} {self.scheduled_for:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.state == OccurrenceState.SCHEDULED


class Outcome(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NOT_APPLICABLE = "na", _("Not applicable")


class StepAnswer(models.Model):
    """The answer to one step of an occurrence's checklist; the evidence is an attachment of the
    occurrence's ticket (stored, checked and shown like every attachment)."""

    occurrence = models.ForeignKey(MaintenanceOccurrence, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("step"), max_length=300)
    outcome = models.CharField(_("result"), max_length=4, choices=Outcome.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    evidence = models.ForeignKey(
        "tickets.Attachment",
        verbose_name=_("evidence"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")
        ordering = ("occurrence", "position")
        constraints = (models.UniqueConstraint(fields=("occurrence", "position"), name="stepanswer_once"),)

    def __str__(self) -> str:
        return f"{self.occurrence_id}#{self.position} {self.outcome}"


class ExpiringKind(models.TextChoices):
    WARRANTY = "warranty", _("Warranty")
    LICENCE = "licence", _("Licence")
    SUBSCRIPTION = "subscription", _("Subscription")
    CONTRACT = "contract", _("Contract")
    CERTIFICATE = "certificate", _("Certificate")
    DOMAIN = "domain", _("Domain")


class ExpiringItem(models.Model):
    """Something of a client that must be renewed by ``expires_on``. ``source`` names the record it was
    filled from (``asset:12``, ``licence:3``, ``contract:5``); NULL for the items entered by hand."""

    kind = models.CharField(_("kind"), max_length=16, choices=ExpiringKind.choices)
    name = models.CharField(_("name"), max_length=200)
    expires_on = models.DateField(_("expires on"))
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.CharField(_("filled from"), max_length=40, null=True, blank=True)  # noqa: DJ001
    notes = models.TextField(_("notes"), blank=True)
    notified_for = models.DateField(_("notice sent for"), null=True, blank=True)
    renewal_ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("renewal ticket"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("expiring item")
        verbose_name_plural = _("expiring items")
        ordering = ("expires_on", "id")
        constraints = (models.UniqueConstraint(fields=("source",), name="expiringitem_source_unique"),)
        indexes = (
            models.Index(fields=("expires_on", "id"), name="expiring_date_idx"),
            models.Index(fields=("organisation", "expires_on"), name="expiring_org_idx"),
        )

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name} ({self.expires_on})"


def new_secret() -> str:
    return secrets.token_urlsafe(16)


class FeedKey(models.Model):
    """The secret inside the signed iCal feed addresses of a person or a client: rotating it revokes
    every address given out before."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    organisation = models.OneToOneField(
        "orgs.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    secret = models.CharField(max_length=40, default=new_secret)
    rotated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("calendar feed key")
        verbose_name_plural = _("calendar feed keys")
        constraints = (
            models.CheckConstraint(
                condition=models.Q(user__isnull=True) ^ models.Q(organisation__isnull=True),
                name="feedkey_one_owner",
            ),
        )

    def __str__(self) -> str:
        return f"feed key {self.user_id or self.organisation_id}"
