"""Webhook subscriptions (an administrator's endpoint and what it listens to) and their deliveries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

CONSOLE_URL = "console:"  # the built-in sink: the signed request is logged, not sent (the demo's target)


class WebhookSubscription(models.Model):
    """An endpoint that receives the events matching ``event_types``, of one client organisation or of all.

    ``secret`` is the Standard Webhooks signing key (``whsec_<base64>``): shown once when created or
    rotated, kept to sign every delivery. A subscription that keeps failing is disabled by the worker
    (``disabled_at``, ``disabled_reason``); an administrator enables it again.
    """

    name = models.CharField(_("name"), max_length=120)
    url = models.CharField(_("URL"), max_length=500)
    event_types: models.JSONField[list[str]] = models.JSONField(_("event types"), default=list)
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text=_("Empty: the events of every organisation."),
    )  # fmt: skip
    secret = models.CharField(_("signing secret"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True)
    disabled_reason = models.CharField(_("reason for disabling"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True,
        blank=True, related_name="+",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name

    @property
    def is_console(self) -> bool:
        return self.url == CONSOLE_URL


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    RETRYING = "retrying", _("Retrying")
    SUCCEEDED = "succeeded", _("Delivered")
    FAILED = "failed", _("Failed")


DUE_STATES = (DeliveryState.PENDING, DeliveryState.RETRYING, DeliveryState.SENDING)


class WebhookDelivery(models.Model):
    """One message to one subscription: its body, frozen when the event happened (the signature covers
    these exact bytes on every attempt), and the outcome of its latest attempt.

    ``message_id`` is the Standard Webhooks ``webhook-id``: the same on every attempt and on a manual
    replay (a new delivery row, ``replay_of`` the first), so that receivers can drop duplicates.
    """

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    event = models.ForeignKey(
        "core.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    replay_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    message_id = models.CharField(_("message id"), max_length=40)
    event_type = models.CharField(_("event type"), max_length=64)
    body = models.TextField(_("body"))
    state = models.CharField(
        _("state"), max_length=12, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_ms = models.PositiveIntegerField(_("response time (ms)"), null=True, blank=True)
    response_excerpt = models.TextField(_("response excerpt"), blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ("-id",)
        indexes = (
            # The delivery log: a subscription's deliveries, newest first, by keyset on id.
            models.Index(fields=("subscription", "id"), name="webhookdelivery_log_idx"),
            # The sweep: what is due (retries, lost tasks, expired claims), in order of due time.
            models.Index(
                fields=("next_attempt_at",),
                name="webhookdelivery_due_idx",
                condition=models.Q(state__in=[state.value for state in DUE_STATES]),
            ),
        )

    def __str__(self) -> str:
        return f"{self.message_id} {self.event_type} {self.state}"
