"""A message to one person about one ticket (shown in the app; mailed by the e-mail feature)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    OUT_OF_CONTRACT = "out_of_contract", _("Out-of-contract request")
    ASSIGNED = "assigned", _("Ticket assigned")
    ESCALATED = "escalated", _("Ticket escalated")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    AUTOMATION = "automation", _("Automation rule")
    WEBHOOK_DISABLED = "webhook_disabled", _("Webhook disabled")
    CONTRACT = "contract", _("Contract and hour credit")
    BAD_SURVEY = "bad_survey", _("Dissatisfied requester")


class Notification(models.Model):
    """One notification for one recipient; ``read_at`` is set when they open it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=NotificationKind.choices)
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=300)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ("-id",)
        indexes = (models.Index(fields=("recipient", "read_at", "id"), name="notification_inbox_idx"),)

    def __str__(self) -> str:
        return f"{self.recipient_id} {self.kind} {self.ticket_id}"
