"""Webhook endpoints (administrators): subscriptions, their delivery logs, replay, test message.

The bodies Escalade sends are described in the OpenAPI document's top-level ``webhooks`` object
(:func:`escalade.webhooks.payloads.openapi_webhooks`, added by ``escalade.api.router``).
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from escalade import authz
from escalade.accounts.models import User
from escalade.api.auth import actor_of, caller
from escalade.api.queries import found, found_or_invalid
from escalade.core.errors import PermissionDeniedError
from escalade.orgs.models import Organisation
from escalade.webhooks import selectors, services
from escalade.webhooks.models import WebhookDelivery, WebhookSubscription

router = Router(tags=["webhooks"])


class WebhookOut(Schema):
    id: int
    name: str
    url: str
    event_types: list[str]
    organisation_id: int | None = Field(description="None: every organisation's events")
    is_active: bool
    consecutive_failures: int
    disabled_at: datetime | None
    disabled_reason: str
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="The signing secret (whsec_…): returned this once, keep it")


class WebhookCreateIn(Schema):
    name: str = Field(..., max_length=120)
    url: str = Field(..., max_length=500, description="http(s) address, or console: (logged, not sent)")
    event_types: list[str] = Field(..., min_length=1, examples=[["ticket.created", "ticket.sla_*"]])
    organisation_id: int | None = Field(None, description="A client organisation; none for all")
    is_active: bool = True


class WebhookUpdateIn(Schema):
    name: str | None = Field(None, max_length=120)
    url: str | None = Field(None, max_length=500)
    event_types: list[str] | None = Field(None, min_length=1)
    organisation_id: int | None = None
    is_active: bool | None = Field(None, description="true enables a disabled webhook again")


class DeliveryOut(Schema):
    id: int
    message_id: str = Field(description="The webhook-id header: the same on every attempt and replay")
    event_type: str
    state: str = Field(description="pending, sending, retrying, succeeded, failed")
    attempts: int
    next_attempt_at: datetime | None
    status_code: int | None
    response_ms: int | None
    response_excerpt: str = Field(description="The first 1,024 bytes of the latest answer (text)")
    error: str
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    replay_of_id: int | None


class DeliveryPageOut(Schema):
    items: list[DeliveryOut]
    before: int | None = Field(description="Pass as ?before= for the next (older) page; null at the end")


def _administrator(request: HttpRequest) -> User:
    user = caller(request)
    if not authz.can_manage_webhooks(user):
        raise PermissionDeniedError(_("Only administrators may manage webhooks."))
    return user


def _organisation(pk: int | None) -> Organisation | None:
    if pk is None:
        return None
    return found_or_invalid(Organisation.objects.all(), pk, field="organisation_id")


@router.get("/webhooks", response=list[WebhookOut], summary="Webhooks")
def webhook_list(request: HttpRequest) -> list[WebhookSubscription]:
    _administrator(request)
    return list(selectors.subscriptions_all())


@router.post(
    "/webhooks", response={201: WebhookCreatedOut}, summary="Add a webhook (its secret is returned once)"
)
def webhook_add(request: HttpRequest, payload: WebhookCreateIn) -> WebhookSubscription:
    _administrator(request)
    values = payload.model_dump(exclude={"organisation_id"})
    organisation = _organisation(payload.organisation_id)
    return services.subscription_create(actor=actor_of(request), organisation=organisation, **values)


@router.patch("/webhooks/{webhook_id}", response=WebhookOut, summary="Change, pause or enable a webhook")
def webhook_change(request: HttpRequest, webhook_id: int, payload: WebhookUpdateIn) -> WebhookSubscription:
    _administrator(request)
    subscription = found(WebhookSubscription.objects.all(), webhook_id)
    values = payload.model_dump(exclude_unset=True)
    if "organisation_id" in values:
        values["organisation"] = _organisation(values.pop("organisation_id"))
    return services.subscription_update(actor=actor_of(request), subscription=subscription, **values)


@router.get("/webhooks/{webhook_id}/deliveries", response=DeliveryPageOut, summary="A webhook's deliveries")
def webhook_deliveries(
    request: HttpRequest, webhook_id: int, before: Query[int | None] = None
) -> selectors.LogPage:
    _administrator(request)
    subscription = found(WebhookSubscription.objects.all(), webhook_id)
    return selectors.delivery_log(subscription=subscription, before=before)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", response={201: DeliveryOut},
    summary="Send a finished delivery again (same message id)",
)  # fmt: skip
def webhook_replay(request: HttpRequest, webhook_id: int, delivery_id: int) -> WebhookDelivery:
    _administrator(request)
    delivery = found(
        WebhookDelivery.objects.filter(subscription_id=webhook_id).select_related("subscription"), delivery_id
    )
    return services.delivery_replay(actor=actor_of(request), delivery=delivery)


@router.post(
    "/webhooks/{webhook_id}/test", response={201: DeliveryOut}, summary="Send a webhook.test message"
)
def webhook_send_test(request: HttpRequest, webhook_id: int) -> WebhookDelivery:
    _administrator(request)
    subscription = found(WebhookSubscription.objects.all(), webhook_id)
    return services.webhook_send_test(actor=actor_of(request), subscription=subscription)
