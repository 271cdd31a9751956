from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from escalade.core.models import Event


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """The event log is read-only, even for administrators."""

    list_display = ("occurred_at", "actor_label", "action", "object_repr", "organisation")
    list_filter = ("actor_kind", "content_type")
    search_fields = ("action", "actor_label", "object_repr")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
