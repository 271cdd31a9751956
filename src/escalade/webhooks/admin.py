"""Webhooks in Django's admin: read-only (they are managed on the desk, through the services, which
audit every change and keep the event path's cache current). Never deleted: disable them instead."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from escalade.core.admin_site import AuditedModelAdmin
from escalade.webhooks.models import WebhookDelivery, WebhookSubscription


class _ReadOnly(AuditedModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(_ReadOnly):
    list_display = ("name", "url", "organisation", "is_active", "consecutive_failures", "disabled_at")
    list_filter = ("is_active",)
    list_select_related = ("organisation",)
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(_ReadOnly):
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
