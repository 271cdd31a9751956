"""Background jobs of the reports. Thin: each calls one service."""

from __future__ import annotations

from huey import crontab

from escalade.core.periodic import periodic_job
from escalade.reports.surveys import surveys_send_due


@periodic_job(crontab(minute="*"), name="reports.surveys_due")
def surveys_due() -> None:
    """Every minute: mail the satisfaction surveys whose delay after resolution is over."""
    surveys_send_due()
