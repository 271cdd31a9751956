"""The append-only event log, and the bookkeeping of background jobs."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove a recorded event."""


class EventQuerySet(models.QuerySet["Event"]):
    """Events are never updated or deleted through the ORM (and, on PostgreSQL, not at all)."""

    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("events are append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("events are append-only")


class Event(models.Model):
    """One thing that happened to one object: who did it, what changed (before/after), and when.

    Written only by service functions (``escalade.core.services.event_record``). The ticket timeline, the
    SLA clock, the audit view and reports read it. Rows are never updated or deleted: the model refuses,
    and a database trigger refuses too.
    """

    class ActorKind(models.TextChoices):
        USER = "user", _("User")
        SYSTEM = "system", _("System")
        CHANNEL = "channel", _("Channel")

    occurred_at = models.DateTimeField(_("occurred at"), default=timezone.now)
    actor_kind = models.CharField(_("actor kind"), max_length=16, choices=ActorKind.choices)
    # The foreign keys lead the indexes of ``Meta.indexes``, which serve them: no index of their own
    # (three fewer index entries to write for each event).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    actor_label = models.CharField(_("actor label"), max_length=200)
    source_ip = models.GenericIPAddressField(_("source IP address"), null=True, blank=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+", db_index=False)
    object_id = models.PositiveBigIntegerField(_("object id"))
    object_repr = models.CharField(_("object"), max_length=200)
    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    action = models.CharField(_("action"), max_length=64)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    objects: ClassVar[EventQuerySet] = EventQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ("-id",)
        indexes = (
            models.Index(fields=("content_type", "object_id", "id"), name="event_object_idx"),
            models.Index(fields=("actor", "id"), name="event_actor_idx"),
            models.Index(fields=("organisation", "id"), name="event_organisation_idx"),
            models.Index(fields=("action", "id"), name="event_action_idx"),
        )

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M:%S} {self.actor_label} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("events are append-only")


class ScheduledTick(models.Model):
    """A periodic job's claim on one tick: the unique constraint makes it run once across all workers."""

    job = models.CharField(max_length=150)
    tick = models.DateTimeField()
    claimed_at = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("scheduled tick")
        verbose_name_plural = _("scheduled ticks")
        constraints = (models.UniqueConstraint(fields=("job", "tick"), name="scheduledtick_once"),)
        indexes = (models.Index(fields=("claimed_at",), name="scheduledtick_claimed_idx"),)

    def __str__(self) -> str:
        return f"{self.job} @ {self.tick:%Y-%m-%d %H:%M}"


class WorkerHeartbeat(models.Model):
    """The last time a background worker process ran a task; ``/health`` reports the newest."""

    worker = models.CharField(max_length=200, primary_key=True)
    hostname = models.CharField(max_length=200)
    pid = models.PositiveIntegerField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.worker


def outbox_relay_due() -> dt.datetime:
    """When the relay looks at a new row if its task has not deleted it by then (the queue lost it)."""
    return timezone.now() + dt.timedelta(seconds=settings.CONFIG.outbox_grace_seconds)


class OutboxTask(models.Model):
    """Work to run on the task queue once the transaction that recorded it has committed (ADR 0011).

    Written in the same transaction as the change that calls for it, so the work exists if and only if
    the change committed. After the commit it is handed to the queue; the task deletes the row when it
    has done the work. A row still here at ``next_relay_at`` was refused by the queue, or lost by it
    (a Redis restart without persistence), or its task failed: the relay (every worker process) hands
    it over again, with a growing delay. Tasks are idempotent, so a second run changes nothing.
    """

    task = models.CharField(_("task"), max_length=100)
    args = models.JSONField(_("arguments"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    next_relay_at = models.DateTimeField(_("next relay"), default=outbox_relay_due)
    attempts = models.PositiveIntegerField(_("relay attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox task")
        verbose_name_plural = _("outbox tasks")
        indexes = (models.Index(fields=("next_relay_at", "id"), name="outbox_relay_idx"),)

    def __str__(self) -> str:
        return f"{self.task}{self.args!r}"
