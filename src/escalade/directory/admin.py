"""Directories in Django's admin: read-only (configured on the desk, through the services, which audit
every change and encrypt the bind password)."""

from __future__ import annotations

from django.contrib import admin

from escalade.core.admin_site import ViewOnlyModelAdmin
from escalade.directory.models import (
    AccessGrant,
    Directory,
    DirectoryAccount,
    DirectoryGroup,
    SelfServiceRequest,
)


@admin.register(Directory)
class DirectoryAdmin(ViewOnlyModelAdmin):
    list_display = ("name", "organisation", "url", "is_active", "last_synced_at")
    list_select_related = ("organisation",)
    exclude = ("bind_password_encrypted",)


@admin.register(DirectoryAccount)
class DirectoryAccountAdmin(ViewOnlyModelAdmin):
    list_display = ("dn", "user", "directory", "is_present")
    list_select_related = ("user", "directory")
    raw_id_fields = ("user",)
    exclude = ("fingerprint",)
    show_full_result_count = False


@admin.register(DirectoryGroup)
class DirectoryGroupAdmin(ViewOnlyModelAdmin):
    list_display = ("name", "directory", "kind", "is_requestable", "owner")
    list_select_related = ("directory", "owner")
    exclude = ("fingerprint",)


@admin.register(AccessGrant)
class AccessGrantAdmin(ViewOnlyModelAdmin):
    list_display = ("account", "group", "since", "approved_by")
    list_select_related = ("account", "group", "approved_by")
    show_full_result_count = False


@admin.register(SelfServiceRequest)
class SelfServiceRequestAdmin(ViewOnlyModelAdmin):
    list_display = ("created_at", "action", "state", "account", "ticket")
    list_select_related = ("account", "ticket")
    exclude = ("code_hash", "token_hash", "idempotency_key")
    show_full_result_count = False
