"""On-call: schedules made of rotation layers, overrides and absences; escalation policies; contact
methods; pagings (one per incident being paged) and the pages sent to people."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Schedule(models.Model):
    """A rota: who is on call when, in one time zone. Layers stack (the highest that has someone
    wins); overrides beat every layer; absent people are skipped for the next one of their layer."""

    name = models.CharField(_("name"), max_length=120)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris")
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("on-call schedule")
        verbose_name_plural = _("on-call schedules")
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class Rotation(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    CUSTOM = "custom", _("Custom length")


class Layer(models.Model):
    """A rotation of people: each takes a shift of one day, one week or ``shift_hours``, in order,
    handing over at ``handoff_time`` (wall-clock time of the schedule's zone, so DST keeps it)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="layers")
    name = models.CharField(_("name"), max_length=120)
    position = models.PositiveSmallIntegerField(_("position"), default=1, help_text=_("Higher layers win."))
    rotation = models.CharField(
        _("rotation"), max_length=8, choices=Rotation.choices, default=Rotation.WEEKLY
    )
    shift_hours = models.PositiveIntegerField(_("shift length (hours, custom)"), default=12)
    handoff_time = models.TimeField(_("hand-off time"), default=dt.time(9, 0))
    starts_on = models.DateField(_("starts on"))

    class Meta:
        verbose_name = _("rotation layer")
        verbose_name_plural = _("rotation layers")
        ordering = ("schedule", "-position", "id")

    def __str__(self) -> str:
        return f"{self.schedule}: {self.name}"

    @property
    def shift_length(self) -> dt.timedelta:
        if self.rotation == Rotation.DAILY:
            return dt.timedelta(days=1)
        if self.rotation == Rotation.WEEKLY:
            return dt.timedelta(days=7)
        return dt.timedelta(hours=max(self.shift_hours, 1))


class LayerMember(models.Model):
    """A person's place in a layer's rotation."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("layer member")
        verbose_name_plural = _("layer members")
        ordering = ("layer", "position", "id")

    def __str__(self) -> str:
        return f"{self.layer}: {self.user}"


class Override(models.Model):
    """``user`` is on call for the schedule from ``starts_at`` to ``ends_at`` (a swapped shift)."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("override")
        verbose_name_plural = _("overrides")
        ordering = ("starts_at",)
        indexes = (models.Index(fields=("schedule", "ends_at"), name="override_schedule_idx"),)

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d %H:%M}"


class Absence(models.Model):
    """A person not available (holiday, leave, sickness): their layers skip to the next person."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ("starts_at",)
        indexes = (models.Index(fields=("user", "ends_at"), name="absence_user_idx"),)

    def __str__(self) -> str:
        return f"{self.user} {self.starts_at:%Y-%m-%d}"


class EscalationPolicy(models.Model):
    """Whom to page for an incident, level after level, until someone acknowledges; ``repeat`` more
    rounds after the last level. Applies to the ``organisations`` chosen (none: every one).

    What pages: monitoring incidents; a P1 created outside the office hours of ``calendar``; an SLA
    breach outside them ("at night")."""

    name = models.CharField(_("name"), max_length=120)
    organisations = models.ManyToManyField(
        "orgs.Organisation", verbose_name=_("organisations"), related_name="+", blank=True,
        help_text=_("Empty: every organisation."),
    )  # fmt: skip
    calendar = models.ForeignKey(
        "sla.BusinessCalendar", verbose_name=_("office hours"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    repeat = models.PositiveSmallIntegerField(_("repeat rounds"), default=1)
    pages_monitoring = models.BooleanField(_("page monitoring incidents"), default=True)
    pages_p1_off_hours = models.BooleanField(_("page P1 created outside office hours"), default=True)
    pages_breach_off_hours = models.BooleanField(_("page SLA breaches outside office hours"), default=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class TargetKind(models.TextChoices):
    SCHEDULE = "schedule", _("Who is on call in a schedule")
    USER = "user", _("A person")
    SUPERVISORS = "supervisors", _("The supervisors")


class EscalationLevel(models.Model):
    """One step of a policy: whom to page, and how long to wait for an acknowledgement before the next."""

    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    target = models.CharField(
        _("page"), max_length=12, choices=TargetKind.choices, default=TargetKind.SCHEDULE
    )
    schedule = models.ForeignKey(Schedule, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    wait_minutes = models.PositiveIntegerField(_("minutes before the next level"), default=15)

    class Meta:
        verbose_name = _("escalation level")
        verbose_name_plural = _("escalation levels")
        ordering = ("policy", "position", "id")

    def __str__(self) -> str:
        return f"{self.policy} #{self.position}"


class ContactKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    VOICE = "voice", _("Voice call")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")


class ContactMethod(models.Model):
    """How a person is paged: an e-mail (their account's address when empty), a phone number for SMS
    or voice, or a Slack/Teams incoming-webhook address."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_methods"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ContactKind.choices)
    address = models.CharField(_("address"), max_length=500, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("contact method")
        verbose_name_plural = _("contact methods")
        ordering = ("user", "id")

    def __str__(self) -> str:
        return f"{self.user}: {self.kind}"


class Paging(models.Model):
    """An incident being paged under a policy: the current level and round, when the next escalation
    is due. One open paging per ticket (partial unique constraint). Closed when acknowledged (the
    sweep stops), or when the ticket is resolved."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+", db_index=False)
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    level = models.PositiveSmallIntegerField(_("level"), default=0)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    next_escalation_at = models.DateTimeField(_("next escalation"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("paging")
        verbose_name_plural = _("pagings")
        ordering = ("-id",)
        constraints = (
            models.UniqueConstraint(
                fields=("ticket",), condition=models.Q(closed_at__isnull=True), name="paging_one_open"
            ),
        )
        indexes = (
            models.Index(
                fields=("next_escalation_at",), name="paging_due_idx",
                condition=models.Q(closed_at__isnull=True, acknowledged_at__isnull=True),
            ),
            models.Index(fields=("ticket", "id"), name="paging_ticket_idx"),
            models.Index(fields=("created_at",), name="paging_created_idx"),
        )  # fmt: skip

    def __str__(self) -> str:
        return f"paging {self.pk} of ticket {self.ticket_id}"


class Page(models.Model):
    """One person paged for a paging, at one level and round."""

    paging = models.ForeignKey(Paging, on_delete=models.CASCADE, related_name="pages")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    level = models.PositiveSmallIntegerField(_("level"))
    round = models.PositiveSmallIntegerField(_("round"))
    created_at = models.DateTimeField(_("paged at"), default=timezone.now)

    class Meta:
        verbose_name = _("page")
        verbose_name_plural = _("pages")
        ordering = ("-id",)
        indexes = (models.Index(fields=("user", "created_at"), name="page_user_idx"),)

    def __str__(self) -> str:
        return f"page {self.pk} to {self.user_id}"


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class PageDelivery(models.Model):
    """One message of a page through one channel (SMS, voice, Slack, Teams; e-mail goes through the
    mail outbox). Sent by the worker after the commit; retried by the minute sweep."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="deliveries")
    kind = models.CharField(_("channel"), max_length=8, choices=ContactKind.choices)
    address = models.CharField(_("address"), max_length=500)
    text = models.TextField(_("text"))
    state = models.CharField(
        _("state"), max_length=8, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("page delivery")
        verbose_name_plural = _("page deliveries")
        ordering = ("-id",)
        indexes = (
            models.Index(
                fields=("next_attempt_at",), name="pagedelivery_due_idx",
                condition=models.Q(state="pending"),
            ),
        )  # fmt: skip

    def __str__(self) -> str:
        return f"{self.kind} {self.address} {self.state}"
