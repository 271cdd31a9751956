"""Alert sources (an intake endpoint with its token and mapping), alerts (one row per fingerprint and
episode, linked to its incident), maintenance windows, and the payloads refused at intake."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_token() -> str:
    return secrets.token_urlsafe(32)


class SourceKind(models.TextChoices):
    ALERTMANAGER = "alertmanager", _("Prometheus Alertmanager")
    GENERIC = "generic", _("Generic JSON webhook")


class OnResolved(models.TextChoices):
    RESOLVE = "resolve", _("Resolve the incident")
    NOTE = "note", _("Add a note only")


class AlertSource(models.Model):
    """An intake endpoint: a token, the organisation its alerts are for (empty: routed by label), the
    contact incidents are logged for, how to read the payload (generic) and how labels map to tickets.

    ``routes``: a list of ``{"match": {label: value}, "organisation": slug, "site": id, "category": id,
    "priority": 1-5, "team": id}``; the first whose ``match`` is a subset of the alert's labels applies.
    ``mapping`` (generic sources): dotted paths into the JSON body, see ``alerts.normalise``.
    """

    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=16, choices=SourceKind.choices)
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text=_("Empty: the organisation comes from the routes (by label)."),
    )  # fmt: skip
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("contact"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", help_text=_("Whom incidents are logged for (else the organisation's manager)."),
    )  # fmt: skip
    mapping: models.JSONField[dict[str, object]] = models.JSONField(_("mapping"), default=dict, blank=True)
    routes: models.JSONField[list[dict[str, object]]] = models.JSONField(
        _("routes"), default=list, blank=True
    )
    severity_priorities: models.JSONField[dict[str, int]] = models.JSONField(
        _("priority by severity"), default=dict, blank=True
    )
    on_resolved = models.CharField(
        _("when resolved"), max_length=8, choices=OnResolved.choices, default=OnResolved.RESOLVE
    )
    flap_minutes = models.PositiveIntegerField(
        _("flapping window (minutes)"), default=30,
        help_text=_("An alert firing again this soon after it resolved reopens the same incident."),
    )  # fmt: skip
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("alert source")
        verbose_name_plural = _("alert sources")
        ordering = ("name", "id")

    def __str__(self) -> str:
        return self.name


class AlertState(models.TextChoices):
    FIRING = "firing", _("Firing")
    SILENCED = "silenced", _("Silenced (maintenance)")
    TRIAGE = "triage", _("Waiting for triage")
    RESOLVED = "resolved", _("Resolved")


class Alert(models.Model):
    """One episode of one alert (a fingerprint of a source): open while it fires, with its incident.

    At most one open row per (source, fingerprint) (a partial unique constraint: two workers receiving
    the same new alert make one incident). An alert firing again within the source's flapping window
    reopens the row it resolved (``flaps`` counts it) instead of opening a new incident.
    """

    source = models.ForeignKey(AlertSource, on_delete=models.CASCADE, related_name="alerts", db_index=False)
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    fingerprint = models.CharField(_("fingerprint"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=AlertState.choices)
    is_open = models.BooleanField(_("open"), default=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    labels: models.JSONField[dict[str, str]] = models.JSONField(_("labels"), default=dict, blank=True)
    ticket = models.ForeignKey(
        "tickets.Ticket", verbose_name=_("incident"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    flaps = models.PositiveIntegerField(_("flaps"), default=0)
    triage_reason = models.CharField(_("triage reason"), max_length=200, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen_at = models.DateTimeField(_("last seen"), default=timezone.now)
    history_at = models.DateTimeField(
        _("last written to the incident"), null=True, blank=True,
        help_text=_("Repeats reach the incident's history every few minutes; the counter has them all."),
    )  # fmt: skip
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ("-id",)
        constraints = (
            models.UniqueConstraint(
                fields=("source", "fingerprint"), condition=models.Q(is_open=True), name="alert_one_open"
            ),
        )
        indexes = (
            models.Index(fields=("source", "fingerprint", "id"), name="alert_fingerprint_idx"),
            models.Index(fields=("state", "id"), name="alert_state_idx"),
        )

    def __str__(self) -> str:
        return f"{self.fingerprint} {self.state}"


class MaintenanceWindow(models.Model):
    """A period during which alerts of an organisation (and matching ``matchers``, a subset of labels:
    ``{"instance": "db1:9100"}``) are silenced: recorded, no incident."""

    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    matchers: models.JSONField[dict[str, str]] = models.JSONField(_("labels"), default=dict, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    reason = models.CharField(_("reason"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("maintenance window")
        verbose_name_plural = _("maintenance windows")
        ordering = ("-starts_at",)
        indexes = (models.Index(fields=("organisation", "ends_at"), name="maintenance_active_idx"),)

    def __str__(self) -> str:
        return f"{self.reason} ({self.starts_at:%Y-%m-%d %H:%M})"


class RejectedPayload(models.Model):
    """A body the intake refused (unreadable JSON, a missing field): kept, with the reason, to inspect."""

    source = models.ForeignKey(
        AlertSource, on_delete=models.CASCADE, related_name="rejected", null=True, blank=True, db_index=False
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    reason = models.CharField(_("reason"), max_length=300)
    body = models.TextField(_("body"))

    class Meta:
        verbose_name = _("rejected payload")
        verbose_name_plural = _("rejected payloads")
        ordering = ("-id",)
        indexes = (models.Index(fields=("source", "id"), name="rejectedpayload_source_idx"),)

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.reason}"
