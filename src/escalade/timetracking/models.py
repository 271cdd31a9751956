"""Time spent on tickets: activity types, time entries, running timers (ADR 0017)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class ActivityType(models.Model):
    """What the time was spent on (diagnosis, on-site visit, phone call), named in both languages."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100)
    is_billable = models.BooleanField(_("billable by default"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("activity type")
        verbose_name_plural = _("activity types")
        ordering = ("code",)

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if translation.get_language() == "fr" else self.name_en


class TimeEntry(models.Model):
    """Time one agent spent on one ticket on one day.

    ``minutes`` is what the agent spent; ``billed_minutes`` the same after the package's rounding;
    ``drawn_minutes`` what it took from ``package`` and ``overage_minutes`` what the package could not
    cover. Non-billable entries draw nothing. The organisation is copied from the ticket so that a
    client's month is read from one index.
    """

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="time_entries")
    organisation = models.ForeignKey(
        "orgs.Organisation", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="+",
        db_index=False,
    )  # fmt: skip
    activity = models.ForeignKey(
        ActivityType, verbose_name=_("activity"), on_delete=models.PROTECT, related_name="entries"
    )
    worked_on = models.DateField(_("date"))
    minutes = models.PositiveIntegerField(_("duration (minutes)"))
    is_billable = models.BooleanField(_("billable"), default=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    package = models.ForeignKey(
        "contracts.HourPackage", verbose_name=_("hour package"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="entries", db_index=False,
    )  # fmt: skip
    billed_minutes = models.PositiveIntegerField(_("billed (minutes)"), default=0)
    drawn_minutes = models.PositiveIntegerField(_("drawn from the package (minutes)"), default=0)
    overage_minutes = models.PositiveIntegerField(_("overage (minutes)"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("time entry")
        verbose_name_plural = _("time entries")
        ordering = ("-worked_on", "-id")
        indexes = (
            # A client's month (consumption, exports): one range scan.
            models.Index(fields=("organisation", "worked_on"), name="timeentry_org_month_idx"),
            models.Index(fields=("ticket", "worked_on"), name="timeentry_ticket_idx"),
            models.Index(fields=("agent", "worked_on"), name="timeentry_agent_idx"),
            models.Index(fields=("package", "worked_on"), name="timeentry_package_idx"),
        )  # fmt: skip
        constraints = (
            models.CheckConstraint(condition=models.Q(minutes__gt=0), name="timeentry_minutes_positive"),
        )

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.agent_id} {self.worked_on} {self.minutes}"


class RunningTimer(models.Model):
    """A timer an agent started on a ticket: the start is the server's clock, so a reload, another tab
    or another time zone in the browser show the same elapsed time."""

    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(_("started at"))

    class Meta:
        verbose_name = _("running timer")
        verbose_name_plural = _("running timers")
        constraints = (
            models.UniqueConstraint(fields=("agent", "ticket"), name="runningtimer_one_per_ticket"),
        )

    def __str__(self) -> str:
        return f"{self.agent_id} {self.ticket_id} {self.started_at}"
