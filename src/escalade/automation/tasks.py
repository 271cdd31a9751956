"""Background jobs of automation. Thin: each calls one service."""

from __future__ import annotations

from huey import crontab

from escalade.automation.timed import time_rules_sweep
from escalade.core.periodic import periodic_job


@periodic_job(crontab(minute="*"), name="automation.time_rules")
def time_rules() -> None:
    """Every minute: act on the tickets due for a time automation (once per tick cluster-wide)."""
    time_rules_sweep()
