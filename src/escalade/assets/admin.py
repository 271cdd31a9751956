"""Assets in Django's admin: read-only (changes go through the services, which record the history)."""

from __future__ import annotations

from django.contrib import admin

from escalade.assets.models import Asset, InventoryToken, Licence, Software
from escalade.core.admin_site import ViewOnlyModelAdmin


@admin.register(Asset)
class AssetAdmin(ViewOnlyModelAdmin):
    list_display = ("name", "organisation", "kind", "status", "serial", "last_inventory_at")
    list_filter = ("kind", "status")
    list_select_related = ("organisation",)
    raw_id_fields = ("organisation", "site", "user")
    show_full_result_count = False


@admin.register(Software)
class SoftwareAdmin(ViewOnlyModelAdmin):
    list_display = ("name", "publisher", "name_key", "publisher_key")
    search_fields = ("name_key",)
    show_full_result_count = False


@admin.register(Licence)
class LicenceAdmin(ViewOnlyModelAdmin):
    list_display = ("name", "organisation", "software", "kind", "quantity", "expires_on")
    list_select_related = ("organisation", "software")


@admin.register(InventoryToken)
class InventoryTokenAdmin(ViewOnlyModelAdmin):
    list_display = ("organisation", "label", "hint", "is_active", "last_used_at")
    exclude = ("token_hash",)
