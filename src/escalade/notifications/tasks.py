"""Background tasks of notifications. Thin: each calls one service."""

from __future__ import annotations

from huey import crontab

from escalade.core.periodic import periodic_job
from escalade.notifications.digest import digests_send_due


@periodic_job(crontab(minute="*/10"), name="notifications.digests")
def send_digests() -> None:
    """Every ten minutes, the daily digests whose hour has come in their reader's time zone (each at
    most once a day: see :mod:`escalade.notifications.digest`)."""
    digests_send_due()
