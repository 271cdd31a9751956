"""Demo data: realistic, bilingual, idempotent. Each app contributes loaders in its ``demo.py``.

Later features add their loaders (``module:function``) to :data:`LOADERS`; ``escalade demo`` runs them in
order, each in its own transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from typing import Any
from unittest import mock

from django.db import transaction

from escalade.core.actors import Actor
from escalade.core.events import muted
from escalade.notifications.services import history as notifications_history

LOADERS = (
    "escalade.orgs.demo:load",
    "escalade.accounts.demo:load",
    "escalade.tickets.demo:load_categories",
    "escalade.contracts.demo:load",
    "escalade.tickets.demo:load_tickets",
    "escalade.workspace.demo:load",
    "escalade.automation.demo:load",
    "escalade.kb.demo:load",
    "escalade.identity.demo:load",
    "escalade.oncall.demo:load",  # before webhooks: the past incidents send no demo message
    "escalade.alerts.demo:load",
    "escalade.search.demo:load",
    "escalade.directory.demo:load",  # before webhooks: its past tickets send no demo webhook
    "escalade.webhooks.demo:load",
    "escalade.timetracking.demo:load",
    "escalade.reports.demo:load",
    "escalade.assets.demo:load",
    "escalade.maintenance.demo:load",  # after assets: warranty ends feed the renewals
)
DEMO_PASSWORD = "demo"  # noqa: S105 - the demo data is public by design


@dataclass
class DemoContext:
    """What loaders share: the actor they write as, and the objects earlier loaders made."""

    actor: Actor = field(default_factory=lambda: Actor.system("demo"))
    password: str = DEMO_PASSWORD
    objects: dict[str, Any] = field(default_factory=dict)
    logins: list[tuple[str, str]] = field(default_factory=list)
    created_people: int = 0


@contextmanager
def travel(moment: datetime) -> Iterator[None]:
    """Demo data only: Django's clock reads ``moment`` while past activity is written through the real
    services (so created dates, events and SLA clocks are consistent). Never used while serving."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


def load_demo(*, progress: Callable[[str], None] = lambda _step: None) -> DemoContext:
    """Run every loader in one transaction per loader; safe to run again (nothing is duplicated)."""
    context = DemoContext()
    for path in LOADERS:
        module_path, _, function = path.partition(":")
        loader = getattr(import_module(module_path), function)
        progress(f"{module_path.split('.')[1]}: {function}")
        # Past activity: under the bell, never mailed (ADR 0024: the demo does not flood the console),
        # and no demo webhook is sent for it (tests/webhooks/test_demo.py).
        with transaction.atomic(), notifications_history(), muted("webhooks.deliver"):
            loader(context)
    return context
