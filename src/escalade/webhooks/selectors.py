"""Reads of the webhooks app: the subscriptions and each one's delivery log (keyset pages)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from escalade.webhooks.models import WebhookDelivery, WebhookSubscription

LOG_PAGE = 50
LOG_FIELDS = (
    "id", "subscription_id", "message_id", "event_type", "state", "attempts", "next_attempt_at",
    "status_code", "response_ms", "response_excerpt", "error", "created_at", "last_attempt_at",
    "delivered_at", "replay_of_id",
)  # fmt: skip


def subscriptions_all() -> QuerySet[WebhookSubscription]:
    """Every webhook, by name (administrators have a handful: no paging)."""
    return WebhookSubscription.objects.select_related("organisation").order_by("name", "id")


@dataclass(frozen=True)
class LogPage:
    """A page of a subscription's deliveries, newest first; ``before`` continues it (None: the end)."""

    items: list[WebhookDelivery]
    before: int | None


def delivery_log(
    *, subscription: WebhookSubscription, before: int | None = None, size: int | None = None
) -> LogPage:
    """The deliveries of ``subscription`` older than ``before``: one index range scan, no count."""
    size = size or LOG_PAGE
    rows = WebhookDelivery.objects.filter(subscription=subscription)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows.only(*LOG_FIELDS).order_by("-pk")[: size + 1])
    more = len(page) > size
    page = page[:size]
    return LogPage(items=page, before=page[-1].pk if more else None)
