"""Writes of the webhooks app: subscriptions (create, change, rotate the secret, enable) and deliveries
(for published events, for one event on demand, a test message, a replay).

Nothing here calls a receiver: deliveries are rows, sent by the worker after the commit
(:mod:`escalade.webhooks.delivery`) through one outbox task per batch.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import ipaddress
import secrets
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, ValidationFailed
from escalade.core.models import Event
from escalade.core.outbox import outbox_defer
from escalade.core.services import changes_between, event_record, snapshot
from escalade.orgs.models import Organisation
from escalade.tickets.models import Ticket
from escalade.webhooks.models import CONSOLE_URL, DeliveryState, WebhookDelivery, WebhookSubscription
from escalade.webhooks.payloads import (
    CLIENT_EVENTS,
    Envelope,
    People,
    body_of,
    event_envelope,
    matching_types,
    ping_envelope,
)

FIRST_SWEEP_AFTER = 60  # seconds: a new delivery's task runs at once; the sweep sends it if the queue lost it
AUDITED_FIELDS = ("name", "url", "event_types", "organisation", "is_active")


# ---------------------------------------------------------------- who listens (cached per process)


@dataclass(frozen=True)
class Listener:
    """An active subscription as the event path sees it (no secret: it is read when sending)."""

    pk: int
    patterns: tuple[str, ...]
    organisation_id: int | None
    _matches: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    def wants(self, action: str, organisation_id: int | None) -> bool:
        if self.organisation_id is not None and (
            organisation_id != self.organisation_id or action not in CLIENT_EVENTS
        ):
            return False
        known = self._matches.get(action)
        if known is None:
            known = self._matches[action] = bool(matching_types(self.patterns, among=(action,)))
        return known


CACHE_KEY = "escalade.webhooks.listeners"
CACHE_SECONDS = 30  # how stale another process may be after a change (Redis: shared, so at once)
MEMO_SECONDS = 2.0  # this process's copy, to spare the cache a round trip per ticket change
_memo: tuple[float, tuple[Listener, ...]] | None = None


def listeners() -> tuple[Listener, ...]:
    """The active subscriptions: from this process's copy (2 s), else Django's cache (Redis when
    scaled), else one query. No subscription: an empty tuple, and no query while it is remembered."""
    global _memo  # noqa: PLW0603 - the per-process copy
    now = time.monotonic()
    if _memo is not None and now - _memo[0] < MEMO_SECONDS:
        return _memo[1]
    try:
        found: tuple[Listener, ...] | None = cache.get(CACHE_KEY)
    except Exception:  # noqa: BLE001 - the cache server down must not fail a ticket change
        found = None
    if found is None:
        rows = WebhookSubscription.objects.filter(is_active=True).values_list(
            "pk", "event_types", "organisation_id"
        )
        found = tuple(Listener(pk, tuple(patterns), organisation) for pk, patterns, organisation in rows)
        with contextlib.suppress(Exception):  # as above: read again next time
            cache.set(CACHE_KEY, found, CACHE_SECONDS)
    _memo = (now, found)
    return found


def listeners_forget() -> None:
    """A subscription changed: read them again (here at once; other processes within CACHE_SECONDS,
    or at once when they share the Redis cache)."""
    global _memo  # noqa: PLW0603
    _memo = None
    with contextlib.suppress(Exception):  # expires on its own
        cache.delete(CACHE_KEY)


def subscriptions_changed() -> None:
    """Forget the listeners now (this transaction's own events) and again once the change is
    committed: a process that read them in between (still without the change) must not keep that
    for CACHE_SECONDS. Not queue work, so no outbox: only a cache entry to drop."""
    listeners_forget()
    transaction.on_commit(listeners_forget, robust=True)


def listeners_remember(found: tuple[Listener, ...]) -> None:
    """Set what :func:`listeners` answers (tests start from a database with no subscription)."""
    global _memo  # noqa: PLW0603
    _memo = (time.monotonic(), found)
    cache.set(CACHE_KEY, found, CACHE_SECONDS)


# ---------------------------------------------------------------- deliveries


def _message_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


def _defer(deliveries: Sequence[WebhookDelivery]) -> None:
    from escalade.webhooks.tasks import DELIVERIES_PER_TASK, deliver  # noqa: PLC0415 - tasks import delivery

    ids = [delivery.pk for delivery in deliveries]
    for start in range(0, len(ids), DELIVERIES_PER_TASK):
        outbox_defer(deliver, ids[start : start + DELIVERIES_PER_TASK])


def _new_delivery(subscription_id: int, event_type: str, body: str, event: Event | None) -> WebhookDelivery:
    return WebhookDelivery(
        subscription_id=subscription_id, event=event, event_type=event_type, body=body,
        message_id=_message_id(), state=DeliveryState.PENDING,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=FIRST_SWEEP_AFTER),
    )  # fmt: skip


def deliveries_for_events(pairs: Sequence[tuple[Event, Ticket]]) -> list[WebhookDelivery]:
    """Write the deliveries that some published ticket events call for (one insert) and defer their
    sending. Without any active subscription this reads nothing (see :func:`listeners`)."""
    active = listeners()
    if not active:
        return []
    wanted = [
        (listener, event, ticket)
        for event, ticket in pairs
        for listener in active
        if listener.wants(event.action, ticket.organisation_id)
    ]
    if not wanted:
        return []
    people = People((ticket for _l, _e, ticket in wanted), (event for _l, event, _t in wanted))
    bodies: dict[int, str] = {}
    rows = []
    for listener, event, ticket in wanted:
        if event.pk not in bodies:
            bodies[event.pk] = body_of(event_envelope(event, ticket, people))
        rows.append(_new_delivery(listener.pk, event.action, bodies[event.pk], event))
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    _defer(deliveries)
    return deliveries


def webhook_send_event(
    *, subscription: WebhookSubscription, event: Event, subject: Ticket | None = None
) -> WebhookDelivery:
    """Deliver ``event`` to ``subscription`` now, whatever its event types (an automation rule's
    "call a webhook" action). A subscription scoped to a client still only ever receives that
    client's events, and only those its people may see. Sent by the worker after the commit."""
    if not subscription.is_active:
        raise ConflictError(_("This webhook is disabled."))
    if subscription.organisation_id is not None and (
        event.organisation_id != subscription.organisation_id or event.action not in CLIENT_EVENTS
    ):
        raise ValidationFailed(_("This webhook may not receive this event."), field="event")
    ticket = subject
    if ticket is None and event.content_type.model_class() is Ticket:
        ticket = Ticket.objects.filter(pk=event.object_id).first()
    delivery = _new_delivery(subscription.pk, event.action, body_of(event_envelope(event, ticket)), event)
    delivery.save(force_insert=True)
    _defer([delivery])
    return delivery


def webhook_send_test(*, actor: Actor, subscription: WebhookSubscription) -> WebhookDelivery:
    """Send a ``webhook.test`` message to ``subscription`` (the desk's "send a test event" button)."""
    name = actor.user.full_name if actor.user is not None else actor.label
    envelope: Envelope = ping_envelope(when=timezone.now(), actor_name=name)
    delivery = _new_delivery(subscription.pk, envelope.type, body_of(envelope), None)
    delivery.save(force_insert=True)
    event_record(
        actor=actor, obj=subscription, action="webhook.test_sent", data={"message_id": delivery.message_id},
        organisation_id=subscription.organisation_id,
    )  # fmt: skip
    _defer([delivery])
    return delivery


def delivery_replay(*, actor: Actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a finished delivery again: a new delivery with the same body and the same ``webhook-id``
    (Standard Webhooks: a resent message keeps its id, so the receiver can tell), signed anew."""
    if delivery.state not in {DeliveryState.SUCCEEDED, DeliveryState.FAILED}:
        raise ConflictError(_("This delivery is still being attempted."))
    replay = WebhookDelivery(
        subscription_id=delivery.subscription_id, event_id=delivery.event_id, body=delivery.body,
        event_type=delivery.event_type, message_id=delivery.message_id,
        replay_of_id=delivery.replay_of_id or delivery.pk, state=DeliveryState.PENDING,
        next_attempt_at=timezone.now() + dt.timedelta(seconds=FIRST_SWEEP_AFTER),
    )  # fmt: skip
    replay.save(force_insert=True)
    subscription = delivery.subscription
    event_record(
        actor=actor, obj=subscription, action="webhook.replayed",
        data={"message_id": delivery.message_id, "delivery": delivery.pk, "replay": replay.pk},
        organisation_id=subscription.organisation_id,
    )  # fmt: skip
    _defer([replay])
    return replay


# ---------------------------------------------------------------- subscriptions


def secret_generate() -> str:
    """A new signing secret in the Standard Webhooks form: ``whsec_`` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _check_url(url: str) -> str:
    url = url.strip()
    if url == CONSOLE_URL:
        return url
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ValidationFailed(_("Enter an http:// or https:// address."), field="url")
    if len(url) > WebhookSubscription._meta.get_field("url").max_length:  # type: ignore[operator]
        raise ValidationFailed(_("This address is too long."), field="url")
    try:
        address = ipaddress.ip_address(parts.hostname)
    except ValueError:
        return url  # a name: checked when resolved, at each delivery
    from escalade.webhooks.delivery import address_allowed  # noqa: PLC0415 - delivery imports this module

    if not address_allowed(address):
        raise ValidationFailed(
            _("Webhooks may not call this network (see ESCALADE_WEBHOOK_ALLOWED_NETWORKS)."), field="url"
        )
    return url


def _check_event_types(event_types: Sequence[str]) -> list[str]:
    cleaned = list(dict.fromkeys(pattern.strip() for pattern in event_types if pattern.strip()))
    if not cleaned:
        raise ValidationFailed(_("Choose at least one event type."), field="event_types")
    for pattern in cleaned:
        if len(pattern) > 64 or not matching_types([pattern]):
            raise ValidationFailed(
                _("%(pattern)s matches no event type.") % {"pattern": pattern}, field="event_types"
            )
    return cleaned


def _check(subscription: WebhookSubscription) -> None:
    subscription.name = subscription.name.strip()
    if not subscription.name:
        raise ValidationFailed(_("Give the webhook a name."), field="name")
    subscription.url = _check_url(subscription.url)
    subscription.event_types = _check_event_types(subscription.event_types)
    organisation = subscription.organisation
    if organisation is not None and organisation.kind != Organisation.Kind.CLIENT:
        raise ValidationFailed(_("Choose a client organisation, or none for all."), field="organisation")


def subscription_create(
    *,
    actor: Actor,
    name: str,
    url: str,
    event_types: Sequence[str],
    organisation: Organisation | None = None,
    is_active: bool = True,
) -> WebhookSubscription:
    """Add a webhook with a new secret (show it to the administrator now: it is not shown again)."""
    subscription = WebhookSubscription(
        name=name, url=url, event_types=list(event_types), organisation=organisation, is_active=is_active,
        secret=secret_generate(), created_by=actor.user,
    )  # fmt: skip
    _check(subscription)
    subscription.save(force_insert=True)
    event_record(
        actor=actor, obj=subscription, action="webhook.created",
        changes=changes_between({}, snapshot(subscription, AUDITED_FIELDS)),
        organisation_id=subscription.organisation_id,
    )  # fmt: skip
    subscriptions_changed()
    return subscription


def subscription_update(
    *, actor: Actor, subscription: WebhookSubscription, **values: object
) -> WebhookSubscription:
    """Change a webhook's name, URL, event types, organisation or active flag. Enabling a disabled one
    clears its failure record (its pending deliveries are then sent)."""
    unknown = set(values) - set(AUDITED_FIELDS)
    if unknown:
        raise ValidationFailed(_("This field cannot be changed here."), field=sorted(unknown)[0])
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    before = snapshot(subscription, AUDITED_FIELDS)
    for name, value in values.items():
        setattr(subscription, name, value)
    _check(subscription)
    if values.get("is_active") and not before["is_active"]:
        _clear_failures(subscription)
    changes = changes_between(before, snapshot(subscription, AUDITED_FIELDS))
    if not changes:
        return subscription
    subscription.save()
    action = (
        "webhook.enabled" if changes.keys() == {"is_active"} and subscription.is_active else "webhook.updated"
    )
    event_record(
        actor=actor,
        obj=subscription,
        action=action,
        changes=changes,
        organisation_id=subscription.organisation_id,
    )
    subscriptions_changed()
    return subscription


def subscription_enable(*, actor: Actor, subscription: WebhookSubscription) -> WebhookSubscription:
    """Enable a webhook again (after the worker disabled it, or a pause)."""
    return subscription_update(actor=actor, subscription=subscription, is_active=True)


def _clear_failures(subscription: WebhookSubscription) -> None:
    subscription.consecutive_failures = 0
    subscription.failing_since = None
    subscription.disabled_at = None
    subscription.disabled_reason = ""


def subscription_secret_rotate(*, actor: Actor, subscription: WebhookSubscription) -> WebhookSubscription:
    """Give the webhook a new secret (shown once); deliveries signed from now on use it."""
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    subscription.secret = secret_generate()
    subscription.save(update_fields=["secret", "updated_at"])
    event_record(
        actor=actor,
        obj=subscription,
        action="webhook.secret_rotated",
        organisation_id=subscription.organisation_id,
    )
    return subscription
