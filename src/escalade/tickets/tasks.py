"""Background jobs of tickets. Thin: each calls one service."""

from __future__ import annotations

from huey import crontab

from escalade.core.periodic import periodic_job
from escalade.tickets.services.workflow import tickets_auto_close


@periodic_job(crontab(minute="7"), name="tickets.auto_close")
def auto_close() -> None:
    """Hourly: close resolved tickets whose reopen window has passed."""
    tickets_auto_close()
