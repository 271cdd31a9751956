from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from escalade.api.models import ApiToken
from escalade.core.admin_site import AuditedModelAdmin


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedModelAdmin):
    """Tokens are issued with ``escalade manage api_token_create`` (the key is shown once, there);
    here administrators see them and revoke them by setting ``revoked at``."""

    list_display = ("name", "user", "key_prefix", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "key_prefix", "user__email")
    list_select_related = ("user",)
    readonly_fields = ("user", "name", "key_prefix", "key_hash", "created_at", "last_used_at")
    show_full_result_count = False
    credentials = True  # a revocation or deactivation reaches every process at once

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
