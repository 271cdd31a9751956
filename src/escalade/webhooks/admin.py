"""Webhooks in Django's admin: read-only (they are managed on the desk, through the services, which
audit every change and keep the event path's cache current). Never deleted: disable them instead."""

from __future__ import annotations

from django.contrib import admin

from escalade.core.admin_site import ViewOnlyModelAdmin
from escalade.webhooks.models import WebhookDelivery, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ViewOnlyModelAdmin):
    list_display = ("name", "url", "organisation", "is_active", "consecutive_failures", "disabled_at")
    list_filter = ("is_active",)
    list_select_related = ("organisation",)
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ViewOnlyModelAdmin):
    list_display = (
        "message_id",
        "event_type",
        "subscription",
        "state",
        "attempts",
        "status_code",
        "created_at",
    )
    list_filter = ("state",)
    list_select_related = ("subscription",)
    raw_id_fields = ("event", "replay_of", "subscription")
    show_full_result_count = False
