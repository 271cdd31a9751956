"""Notifications: one row per person and piece of news (the bell), and each person's choice of
channel per kind of news (e-mail, in the app, a daily digest, or off). See ADR 0024."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NotificationKind(models.TextChoices):
    """What the news is about; each person chooses a channel per kind (``NotificationPreference``)."""

    OUT_OF_CONTRACT = "out_of_contract", _("Out-of-contract request")
    ASSIGNED = "assigned", _("Ticket assigned to me")
    ESCALATED = "escalated", _("Ticket escalated to my team")
    REQUESTER_REPLY = "requester_reply", _("Reply from the requester")
    SLA_WARNING = "sla_warning", _("SLA at risk")
    SLA_BREACH = "sla_breach", _("SLA breached")
    AUTOMATION = "automation", _("Automation rule")
    WEBHOOK_DISABLED = "webhook_disabled", _("Webhook disabled")
    CONTRACT = "contract", _("Contract and hour credit")
    BAD_SURVEY = "bad_survey", _("Dissatisfied requester")
    TICKET_RECEIVED = "ticket_received", _("My request was received")
    AGENT_REPLY = "agent_reply", _("Reply from the service desk")
    WAITING_FOR_YOU = "waiting_for_you", _("The desk waits for my answer")
    RESOLVED = "resolved", _("My request was resolved")
    SURVEY = "survey", _("Satisfaction survey")


class Channel(models.TextChoices):
    """How a person hears of a kind of news. Every channel but ``off`` shows it under the bell."""

    EMAIL = "email", _("E-mail at once")
    IN_APP = "in_app", _("In the app only")
    DIGEST = "digest", _("Daily digest")
    OFF = "off", pgettext_lazy("notification channel", "Off")


class Notification(models.Model):
    """One piece of news for one recipient; ``read_at`` is set when they open it.

    ``text`` is kept only for news whose words are not Escalade's (an automation rule's message) or
    were recorded before ADR 0024; otherwise the words are chosen at display, in the reader's
    language, from ``kind``, the ticket and ``data``. One notification per event and recipient.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    event = models.ForeignKey(
        "core.Event", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    text = models.CharField(_("text"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Waiting for the recipient's next daily digest (their channel for this kind is ``digest``).
    digest_due = models.BooleanField(_("in the next digest"), default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-id",)
        indexes = (
            models.Index(fields=("recipient", "read_at", "id"), name="notification_inbox_idx"),
            models.Index(
                fields=("recipient", "id"),
                condition=models.Q(digest_due=True),
                name="notification_digest_idx",
            ),
        )
        constraints = (
            models.UniqueConstraint(
                fields=("event", "recipient"),
                condition=models.Q(event__isnull=False),
                name="notification_once_per_event",
            ),
        )

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.ticket_id}"


class NotificationPreference(models.Model):
    """A person's channel for one kind of news, when it differs from their role's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = (models.UniqueConstraint(fields=("user", "kind"), name="notification_preference_once"),)

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.channel}"


class DigestRun(models.Model):
    """The daily digest of one person on one local day: the unique key makes it once a day, whatever
    the number of workers that look at the same time."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    items = models.PositiveIntegerField(_("items"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = (models.UniqueConstraint(fields=("recipient", "day"), name="digest_once_a_day"),)

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.day}"
