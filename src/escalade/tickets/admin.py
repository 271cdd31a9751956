from django.contrib import admin

from escalade.core.admin_site import AuditedModelAdmin
from escalade.tickets.models import Category, CategoryField, PriorityRule, Tag


class CategoryFieldInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CategoryField
    extra = 0


@admin.register(Category)
class CategoryAdmin(AuditedModelAdmin):
    reference_data = True
    list_display = ("name_fr", "name_en", "parent", "default_team", "is_active")
    list_filter = ("is_active", "default_kind")
    search_fields = ("name_fr", "name_en")
    list_select_related = ("parent", "default_team")
    filter_horizontal = ("organisations",)
    inlines = (CategoryFieldInline,)


@admin.register(PriorityRule)
class PriorityRuleAdmin(AuditedModelAdmin):
    reference_data = True
    list_display = ("impact", "urgency", "priority")
    list_editable = ("priority",)


@admin.register(Tag)
class TagAdmin(AuditedModelAdmin):
    search_fields = ("name",)
