"""Periodic work of preventive maintenance: create the occurrences ahead of time, mark the missed ones,
fill and announce the renewals. Each job runs once per tick cluster-wide (``periodic_job``), and every
step is idempotent besides."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from escalade.core.periodic import periodic_job
from escalade.maintenance.renewals import expiring_items_sync, renewals_notify
from escalade.maintenance.services import occurrences_generate, occurrences_mark_missed


@periodic_job(crontab(minute="*/15"), name="maintenance.schedule")
def maintenance_schedule() -> None:
    """Every quarter of an hour: the occurrences within each plan's lead time, then the missed checks."""
    occurrences_generate()
    occurrences_mark_missed()


@periodic_job(crontab(minute="23", hour="*"), name="maintenance.renewals")
def maintenance_renewals() -> None:
    """Every hour (a day the workers were down is caught up): fill the items, announce those near."""
    today = timezone.localdate()
    expiring_items_sync(today=today)
    renewals_notify(today=today)
