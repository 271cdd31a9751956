"""The webhooks pages of the desk (administrators only): list, create, edit with the delivery log,
secret rotation, test message, replay."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from escalade import authz
from escalade.core.errors import DomainError
from escalade.core.forms import form_error
from escalade.core.http import HtmxHttpRequest
from escalade.webhooks import selectors, services
from escalade.webhooks.forms import WebhookForm
from escalade.webhooks.models import WebhookDelivery, WebhookSubscription
from escalade.workspace.views import actor_of

administrators_only = authz.require(authz.can_manage_webhooks)


def _values(form: WebhookForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "name": data["name"], "url": data["url"], "event_types": data["event_types"],
        "organisation": data["organisation"], "is_active": data["is_active"],
    }  # fmt: skip


def _secret_page(request: HttpRequest, subscription: WebhookSubscription) -> HttpResponse:
    """The secret, shown this once (never stored in the session nor shown again)."""
    response = render(request, "webhooks/secret.html", {"subscription": subscription})
    response["Cache-Control"] = "no-store"
    return response


@administrators_only
@require_GET
def webhook_list(request: HttpRequest) -> HttpResponse:
    return render(request, "webhooks/list.html", {"subscriptions": list(selectors.subscriptions_all())})


@administrators_only
@require_http_methods(["GET", "POST"])
def webhook_create(request: HttpRequest) -> HttpResponse:
    form = WebhookForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            subscription = services.subscription_create(actor=actor_of(request), **_values(form))
        except DomainError as error:
            form_error(form, error)
        else:
            return _secret_page(request, subscription)
    return render(request, "webhooks/create.html", {"form": form}, status=422 if form.errors else 200)


def _before(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@administrators_only
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    """Edit a webhook; its delivery log below (``?before=`` pages it; htmx gets the rows alone)."""
    subscription = get_object_or_404(WebhookSubscription.objects.select_related("organisation"), pk=pk)
    log = selectors.delivery_log(subscription=subscription, before=_before(request))
    if request.method == "GET" and request.htmx:
        return render(request, "webhooks/_deliveries.html", {"subscription": subscription, "log": log})
    initial = {
        "name": subscription.name, "url": subscription.url, "event_types": subscription.event_types,
        "organisation": subscription.organisation, "is_active": subscription.is_active,
    }  # fmt: skip
    form = WebhookForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.subscription_update(actor=actor_of(request), subscription=subscription, **_values(form))
        except DomainError as error:
            form_error(form, error)
        else:
            messages.success(request, _("Webhook saved."))
            return redirect("webhooks:detail", pk=subscription.pk)
    context = {"subscription": subscription, "form": form, "log": log}
    return render(request, "webhooks/detail.html", context, status=422 if form.errors else 200)


@administrators_only
@require_POST
def webhook_rotate(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    subscription = services.subscription_secret_rotate(actor=actor_of(request), subscription=subscription)
    return _secret_page(request, subscription)


@administrators_only
@require_POST
def webhook_enable(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    services.subscription_enable(actor=actor_of(request), subscription=subscription)
    messages.success(request, _("Webhook enabled: its waiting deliveries will be sent."))
    return redirect("webhooks:detail", pk=subscription.pk)


@administrators_only
@require_POST
def webhook_test(request: HttpRequest, pk: int) -> HttpResponse:
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    services.webhook_send_test(actor=actor_of(request), subscription=subscription)
    messages.success(request, _("Test message queued: its delivery shows below."))
    return redirect("webhooks:detail", pk=subscription.pk)


@administrators_only
@require_POST
def delivery_replay(request: HttpRequest, pk: int, delivery_pk: int) -> HttpResponse:
    delivery = get_object_or_404(
        WebhookDelivery.objects.select_related("subscription"), pk=delivery_pk, subscription_id=pk
    )
    try:
        services.delivery_replay(actor=actor_of(request), delivery=delivery)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Message sent again with the same id."))
    return redirect("webhooks:detail", pk=pk)
