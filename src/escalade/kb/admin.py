"""Admin: the category tree is configuration; articles are written in the staff pages (through the
services, so revisions, events and the search index follow) and only read here."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from escalade.core.admin_site import AuditedModelAdmin
from escalade.kb.models import Article, KbCategory


@admin.register(KbCategory)
class KbCategoryAdmin(AuditedModelAdmin):
    list_display = ("name_fr", "name_en", "parent", "position")
    search_fields = ("name_fr", "name_en")
    prepopulated_fields = {"slug": ("name_en",)}


@admin.register(Article)
class ArticleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("title", "language", "state", "visibility", "review_by", "view_count")
    list_filter = ("state", "language", "visibility")
    search_fields = ("title", "slug")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
