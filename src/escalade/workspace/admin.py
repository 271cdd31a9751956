from django.contrib import admin

from escalade.core.admin_site import AuditedModelAdmin
from escalade.workspace.models import Macro, PhoneCall, SavedView


@admin.register(Macro)
class MacroAdmin(AuditedModelAdmin):
    list_display = ("name", "language", "owner", "team", "set_state", "is_active")
    list_filter = ("language", "team", "is_active")
    search_fields = ("name", "body")
    raw_id_fields = ("owner",)


@admin.register(SavedView)
class SavedViewAdmin(AuditedModelAdmin):
    list_display = ("name", "queue", "owner", "team")
    raw_id_fields = ("owner",)


@admin.register(PhoneCall)
class PhoneCallAdmin(AuditedModelAdmin):
    list_display = ("ticket", "caller", "agent", "started_at", "duration_seconds")
    raw_id_fields = ("ticket", "caller", "agent")
    date_hierarchy = "started_at"
