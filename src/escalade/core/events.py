"""The one event path (ADR 0011): services record events; apps subscribe to them.

A service writes its :class:`~escalade.core.models.Event` rows and then calls :func:`publish` with them,
inside its transaction. Every subscription whose patterns match an event's action is called, in the
order of the subscriptions (``order``, then name), with all the matching events of that call at once
(a batch of 100 created tickets is one call per subscriber). Subscribers run in the caller's
transaction: what they write commits or rolls back with the change. Work that must happen after the
commit (sending mail, indexing, calling a webhook) is never started from a subscriber directly: the
subscriber records it in the outbox (:func:`escalade.core.outbox.outbox_defer`), which hands it to the
queue once the transaction has committed, and again later if the queue was down.

Apps declare their subscriptions in their ``AppConfig.ready`` (``apps.py``)::

    subscribe("ticket.*", handler=search_on_ticket_events, name="search.index", order=90)

``tickets`` knows nothing of mail, search or automation: it records and publishes.
"""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.db import models

from escalade.core.models import Event
from escalade.core.outbox import outbox_batch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """One event as a subscriber receives it, with the object it is about as the service holds it
    (already locked and current: subscribers need not read it again)."""

    event: Event
    subject: models.Model | None


Handler = Callable[[Sequence[Published]], None]


@dataclass(frozen=True)
class Subscription:
    """A handler for the events whose action matches one of ``patterns`` (``fnmatch`` patterns:
    ``ticket.*``, ``ticket.sla_*``, ``asset.updated``)."""

    name: str
    patterns: tuple[str, ...]
    handler: Handler
    order: int = 50
    _matches: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def matches(self, action: str) -> bool:
        known = self._matches.get(action)
        if known is None:
            known = self._matches[action] = any(fnmatch.fnmatchcase(action, p) for p in self.patterns)
        return known


_subscriptions: dict[str, Subscription] = {}
_ordered: list[Subscription] = []


def subscribe(*patterns: str, handler: Handler, name: str, order: int = 50) -> Subscription:
    """Call ``handler`` with the published events whose action matches ``patterns``.

    ``name`` identifies the subscription (subscribing twice under one name replaces it, so a module
    re-imported by a test runner does not double up); ``order`` places it among the others: the SLA
    clock (10) runs before automation (30), notifications (50), mail (60), webhooks (80), search (90).
    """
    if not patterns:
        raise ValueError("a subscription needs at least one pattern")
    subscription = Subscription(name=name, patterns=tuple(patterns), handler=handler, order=order)
    _subscriptions[name] = subscription
    _ordered[:] = sorted(_subscriptions.values(), key=lambda s: (s.order, s.name))
    return subscription


def subscriptions() -> list[Subscription]:
    """The subscriptions in the order they run (for the docs, the admin and tests)."""
    return list(_ordered)


_muted: ContextVar[frozenset[str]] = ContextVar("escalade_muted_subscriptions", default=frozenset())


@contextmanager
def muted(*names: str) -> Iterator[None]:
    """Skip the named subscriptions inside the block (the importer writes history, not news: no mail)."""
    token = _muted.set(_muted.get() | frozenset(names))
    try:
        yield
    finally:
        _muted.reset(token)


def publish(events: Sequence[Event], subjects: Sequence[models.Model | None] | None = None) -> None:
    """Hand ``events`` (saved, in the caller's transaction) to their subscribers, in order.

    ``subjects[i]`` is the object ``events[i]`` is about, as the caller holds it (None: subscribers
    that need it read it). A subscriber's exception propagates: the caller's transaction rolls back,
    as it would if the service itself had failed, so nothing is half recorded.
    """
    if not events:
        return
    if subjects is None:
        subjects = [None] * len(events)
    published = [Published(event, subject) for event, subject in zip(events, subjects, strict=True)]
    muted_names = _muted.get()
    with outbox_batch():  # the subscribers' after-commit work: one insert for the whole call
        for subscription in _ordered:
            if subscription.name in muted_names:
                continue
            matching = [item for item in published if subscription.matches(item.event.action)]
            if matching:
                subscription.handler(matching)
