"""Sending deliveries: claim, sign, POST, record; retries with backoff; disabling what keeps failing.

Run by the worker only (``webhooks.deliver`` after the commit, ``webhooks.deliver_due`` every minute).
Each delivery is claimed (``sending`` with a lease) in a short transaction before the request, so a
second task for it (the outbox relay after a queue outage, the sweep) finds it taken or done and
leaves it: a delivery is posted once per attempt, however many tasks name it.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from standardwebhooks.webhooks import Webhook

from escalade import __version__
from escalade.accounts.models import Role, User
from escalade.core.actors import Actor
from escalade.core.bulk import rows_update
from escalade.core.services import event_record
from escalade.notifications.models import NotificationKind
from escalade.notifications.services import notify
from escalade.webhooks.models import DUE_STATES, DeliveryState, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)
console = logging.getLogger("escalade.webhooks.console")

# Seconds to wait after each failed attempt (Standard Webhooks' schedule): 8 attempts over ~27 hours.
SCHEDULE = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 10 * 3600)
MAX_ATTEMPTS = len(SCHEDULE) + 1
FAILING_FOR = dt.timedelta(hours=24)  # a subscription failing that long without a success is disabled
LEASE = dt.timedelta(minutes=2)  # a claimed delivery; then the sweep may try it again
EXCERPT_BYTES = 1024
USER_AGENT = f"Escalade-Webhooks/{__version__}"


class BlockedAddressError(Exception):
    """The target resolves to a network webhooks may not call (SSRF guard)."""


@dataclass
class Outcome:
    status_code: int | None = None
    response_ms: int | None = None
    excerpt: str = ""
    error: str = ""

    @property
    def succeeded(self) -> bool:
        return not self.error and self.status_code is not None and 200 <= self.status_code < 300


# ---------------------------------------------------------------- where we may connect


def address_allowed(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Public addresses, and those of ``ESCALADE_WEBHOOK_ALLOWED_NETWORKS`` (private networks,
    loopback for tests and demos). Never multicast or unspecified."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_multicast or address.is_unspecified:
        return False
    for network in settings.ESCALADE_WEBHOOK_ALLOWED_NETWORKS:
        if address in ipaddress.ip_network(network, strict=False):
            return True
    return address.is_global


def _target(url: str) -> tuple[str, dict[str, str], dict[str, str]]:
    """The URL to connect to (the host replaced by one checked address, so that what was checked is
    what is called: no DNS rebinding), the Host header and, for https, the name to verify the
    certificate against."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as error:
        raise BlockedAddressError(_("Cannot resolve %(host)s.") % {"host": host}) from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    refused = [str(address) for address in addresses if not address_allowed(address)]
    if refused or not addresses:
        raise BlockedAddressError(
            _("%(host)s resolves to a network webhooks may not call (%(address)s).")
            % {"host": host, "address": ", ".join(refused)}
        )
    chosen = addresses[0]
    literal = f"[{chosen}]" if chosen.version == 6 else str(chosen)
    netloc = f"{literal}:{parts.port}" if parts.port else literal
    headers = {"Host": parts.netloc.rsplit("@", 1)[-1]}
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), headers, extensions


_local = threading.local()


def _client() -> httpx.Client:
    """One client per worker thread: connections to a receiver are kept alive between deliveries."""
    client: httpx.Client | None = getattr(_local, "client", None)
    if client is None:
        client = _local.client = httpx.Client(follow_redirects=False, trust_env=False)
    return client


def _read_excerpt(response: httpx.Response) -> str:
    taken = b""
    for chunk in response.iter_bytes():
        taken += chunk
        if len(taken) >= EXCERPT_BYTES:
            break
    return taken[:EXCERPT_BYTES].decode("utf-8", errors="replace").replace("\x00", "")


def post(subscription: WebhookSubscription, delivery: WebhookDelivery) -> Outcome:
    """Sign and POST one delivery; never raises (what went wrong is in the outcome)."""
    now = timezone.now().astimezone(dt.UTC)
    signature = Webhook(subscription.secret).sign(delivery.message_id, now, delivery.body)
    headers = {
        "webhook-id": delivery.message_id, "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature, "content-type": "application/json", "user-agent": USER_AGENT,
    }  # fmt: skip
    if subscription.is_console:
        console.info("webhook %s %s to %s: %s bytes, %s", delivery.message_id, delivery.event_type,
                     subscription.name, len(delivery.body), signature)  # fmt: skip
        return Outcome(status_code=200, response_ms=0, excerpt="console")
    timeout = httpx.Timeout(
        settings.ESCALADE_WEBHOOK_TIMEOUT, connect=settings.ESCALADE_WEBHOOK_CONNECT_TIMEOUT
    )
    started = time.perf_counter()
    outcome = Outcome()
    try:
        url, host, extensions = _target(subscription.url)
        request = _client().build_request(
            "POST", url, content=delivery.body.encode(), headers=headers | host, timeout=timeout,
            extensions=extensions,
        )  # fmt: skip
        response = _client().send(request, stream=True)
        try:
            outcome.status_code = response.status_code
            outcome.excerpt = _read_excerpt(response)
        finally:
            response.close()
    except BlockedAddressError as error:
        outcome.error = str(error)
    except httpx.TimeoutException:
        outcome.error = _("No answer within %(seconds)s s.") % {"seconds": settings.ESCALADE_WEBHOOK_TIMEOUT}
    except httpx.HTTPError as error:
        outcome.error = f"{type(error).__name__}: {error}"
    outcome.response_ms = round((time.perf_counter() - started) * 1000)
    if not outcome.error and not outcome.succeeded:
        outcome.error = _("The receiver answered %(status)s.") % {"status": outcome.status_code}
    return outcome


# ---------------------------------------------------------------- claiming, recording


def _claim(ids: Sequence[int], now: dt.datetime) -> list[WebhookDelivery]:
    """Take the deliveries of ``ids`` that are due and not taken (one short transaction).

    PostgreSQL: the due rows are locked (``SKIP LOCKED``: another worker's are left to it), then marked
    in one update. SQLite has no row locks: each row is taken by its own conditional update, which a
    second worker (serialised by the database's write lock) finds no longer due."""
    due = Q(state=DeliveryState.PENDING) | Q(state__in=DUE_STATES, next_attempt_at__lte=now)
    claim = {
        "state": DeliveryState.SENDING, "attempts": F("attempts") + 1, "next_attempt_at": now + LEASE,
        "last_attempt_at": now,
    }  # fmt: skip
    with transaction.atomic():
        rows = (
            WebhookDelivery.objects.filter(due, pk__in=ids, subscription__is_active=True)
            .select_related("subscription").order_by("pk")
        )  # fmt: skip
        if connection.features.has_select_for_update_skip_locked:
            claimed = list(rows.select_for_update(of=("self",), skip_locked=True))
            if claimed:
                WebhookDelivery.objects.filter(pk__in=[d.pk for d in claimed]).update(**claim)
        else:
            claimed = [d for d in rows if WebhookDelivery.objects.filter(due, pk=d.pk).update(**claim)]
    for delivery in claimed:
        delivery.attempts += 1
    return claimed


RECORDED = (
    "state",
    "next_attempt_at",
    "delivered_at",
    "status_code",
    "response_ms",
    "response_excerpt",
    "error",
)
FLUSH_ROWS = 25  # outcomes written together: one statement (one commit) for many deliveries
FLUSH_SECONDS = 0.25


def deliveries_send(*, ids: Sequence[int]) -> list[WebhookDelivery]:
    """Attempt each due delivery of ``ids`` once; returns those attempted, with their outcome.

    Outcomes are written a few at a time (:data:`FLUSH_ROWS`, at most :data:`FLUSH_SECONDS` apart) in
    one statement: a commit costs more than a local receiver's answer. A worker that dies before
    writing them leaves those deliveries claimed; they are sent again once the lease ends, with the
    same ``webhook-id`` (receivers drop duplicates, as the specification asks).
    """
    claimed = _claim(ids, timezone.now())
    clean: set[int] = set()  # subscriptions whose failure record this call has cleared
    failed: set[int] = set()  # subscriptions that failed in this call
    disabled: set[int] = set()
    done: list[WebhookDelivery] = []
    unwritten: list[WebhookDelivery] = []
    flushed = time.monotonic()
    for delivery in claimed:
        subscription = delivery.subscription
        if subscription.pk in disabled:  # disabled by an earlier failure of this call: give it back
            WebhookDelivery.objects.filter(pk=delivery.pk).update(
                state=DeliveryState.RETRYING, attempts=F("attempts") - 1, next_attempt_at=timezone.now()
            )
            continue
        outcome = post(subscription, delivery)
        _apply(delivery, outcome)
        done.append(delivery)
        unwritten.append(delivery)
        if outcome.succeeded:
            had_failures = (
                subscription.pk in failed or subscription.consecutive_failures or subscription.failing_since
            )
            if subscription.pk not in clean and had_failures:
                WebhookSubscription.objects.filter(pk=subscription.pk).update(
                    consecutive_failures=0, failing_since=None
                )
            clean.add(subscription.pk)
            failed.discard(subscription.pk)
        else:
            clean.discard(subscription.pk)
            failed.add(subscription.pk)
            if _count_failure(subscription):
                disabled.add(subscription.pk)
        if len(unwritten) >= FLUSH_ROWS or time.monotonic() - flushed >= FLUSH_SECONDS:
            rows_update(unwritten, RECORDED)
            unwritten, flushed = [], time.monotonic()
    rows_update(unwritten, RECORDED)
    return done


def _apply(delivery: WebhookDelivery, outcome: Outcome) -> None:
    """Set the attempt's outcome on ``delivery`` (written by the caller): done, retry later, or failed."""
    now = timezone.now()
    if outcome.succeeded:
        delivery.state, delivery.next_attempt_at, delivery.delivered_at = DeliveryState.SUCCEEDED, None, now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
    else:
        delivery.state = DeliveryState.RETRYING
        delivery.next_attempt_at = now + dt.timedelta(seconds=SCHEDULE[delivery.attempts - 1])
    delivery.status_code, delivery.response_ms = outcome.status_code, outcome.response_ms
    delivery.response_excerpt, delivery.error = outcome.excerpt, outcome.error[:500]
    if not outcome.succeeded:
        logger.info(
            "webhook %s to subscription %s failed (attempt %s): %s",
            delivery.message_id, delivery.subscription_id, delivery.attempts, outcome.error,
        )  # fmt: skip


@transaction.atomic
def _count_failure(subscription: WebhookSubscription) -> bool:
    """One more failure in a row; disable the subscription (once) past the limit or after a day.
    True if this call disabled it."""
    now = timezone.now()
    WebhookSubscription.objects.filter(pk=subscription.pk).update(
        consecutive_failures=F("consecutive_failures") + 1, failing_since=Coalesce("failing_since", now)
    )
    limit = settings.ESCALADE_WEBHOOK_DISABLE_AFTER_FAILURES
    with translation.override(settings.LANGUAGE_CODE):
        too_many = _("Disabled after %(count)s failed attempts in a row.") % {"count": limit}
        too_long = _("Disabled after failing for 24 hours.")
    for condition, reason in (
        (Q(consecutive_failures__gte=limit), too_many), (Q(failing_since__lte=now - FAILING_FOR), too_long),
    ):  # fmt: skip
        disabled = WebhookSubscription.objects.filter(condition, pk=subscription.pk, is_active=True).update(
            is_active=False, disabled_at=now, disabled_reason=reason
        )
        if disabled:
            _disabled(subscription, reason)
            return True
    return False


def _disabled(subscription: WebhookSubscription, reason: str) -> None:
    from escalade.webhooks.services import subscriptions_changed  # noqa: PLC0415 - services import this

    subscriptions_changed()
    event_record(
        actor=Actor.system("webhooks"), obj=subscription, action="webhook.disabled",
        changes={"is_active": {"from": True, "to": False}}, data={"reason": reason},
        organisation_id=subscription.organisation_id,
    )  # fmt: skip
    administrators = User.objects.filter(role=Role.ADMINISTRATOR, is_active=True)
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Webhook “%(name)s” disabled: %(reason)s") % {"name": subscription.name, "reason": reason}
    notify(recipients=administrators, kind=NotificationKind.WEBHOOK_DISABLED, ticket=None, text=text)
    logger.warning("webhook subscription %s (%s) disabled: %s", subscription.pk, subscription.name, reason)


def deliveries_due(*, limit: int = 1000) -> list[int]:
    """Deliveries whose attempt is due: retries after their backoff, new ones whose task the queue
    lost, claims whose worker died. Oldest first; only of active subscriptions."""
    return list(
        WebhookDelivery.objects.filter(
            state__in=DUE_STATES, next_attempt_at__lte=timezone.now(), subscription__is_active=True
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
