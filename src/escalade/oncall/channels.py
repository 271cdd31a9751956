"""Pluggable page channels. Each adapter sends one :class:`PageDelivery` and raises on failure.

* ``email``: Django's mail backend (the one outbound mail uses);
* ``sms`` / ``voice``: one provider HTTP API (``ESCALADE_ONCALL_SMS_URL``, bearer
  ``ESCALADE_ONCALL_SMS_TOKEN``), a JSON POST ``{"to", "text", "channel": "sms"|"voice"}``;
* ``slack`` / ``teams``: the person's incoming-webhook address, a JSON POST ``{"text": …}``.

HTTP calls go through the webhooks app's guard (the address checked is the address called, private
networks only when allowed by ``ESCALADE_WEBHOOK_ALLOWED_NETWORKS``).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail

from escalade.oncall.models import ContactKind, PageDelivery
from escalade.webhooks.delivery import USER_AGENT, _client, _target


class ChannelError(Exception):
    """The channel refused the message or could not be reached."""


def http_post(url: str, payload: dict[str, object], *, headers: dict[str, str] | None = None) -> None:
    """POST JSON to ``url`` through the SSRF guard; raise ChannelError unless it answers 2xx."""
    if not url:
        raise ChannelError("no address configured")
    try:
        target, host, extensions = _target(url)
        response = _client().post(
            target, json=payload, headers={"user-agent": USER_AGENT, **host, **(headers or {})},
            timeout=settings.ESCALADE_WEBHOOK_TIMEOUT, extensions=extensions,
        )  # fmt: skip
    except Exception as error:  # any failure: recorded on the delivery, retried
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    if not 200 <= response.status_code < 300:
        raise ChannelError(f"answered {response.status_code}: {response.text[:200]}")


def send_email(delivery: PageDelivery) -> None:
    subject, _newline, body = delivery.text.partition("\n")
    send_mail(subject[:200], body or subject, None, [delivery.address])


def send_phone(delivery: PageDelivery) -> None:
    token = settings.ESCALADE_ONCALL_SMS_TOKEN
    http_post(
        settings.ESCALADE_ONCALL_SMS_URL,
        {"to": delivery.address, "text": delivery.text[:1000], "channel": delivery.kind},
        headers={"authorization": f"Bearer {token}"} if token else None,
    )


def send_chat(delivery: PageDelivery) -> None:
    http_post(delivery.address, {"text": delivery.text})


ADAPTERS: dict[str, Callable[[PageDelivery], None]] = {
    ContactKind.EMAIL: send_email,
    ContactKind.SMS: send_phone,
    ContactKind.VOICE: send_phone,
    ContactKind.SLACK: send_chat,
    ContactKind.TEAMS: send_chat,
}


def register(kind: str, adapter: Callable[[PageDelivery], None]) -> None:
    """Add or replace a channel adapter (another provider's API)."""
    ADAPTERS[kind] = adapter
