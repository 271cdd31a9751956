"""Periodic work of time tracking: contract end and renewal notices."""

from __future__ import annotations

from django.utils import timezone
from huey import crontab

from escalade.core.periodic import periodic_job
from escalade.timetracking.credits import contract_dates_notify


@periodic_job(crontab(minute="7", hour="*"), name="contracts.dates")
def contract_dates() -> None:
    """Every hour (once a day would miss a day the workers were down), one worker announces the
    contract ends and renewals within the notice period; each date is announced once."""
    contract_dates_notify(today=timezone.localdate())
