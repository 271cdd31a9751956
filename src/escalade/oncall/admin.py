"""On-call configuration in Django's admin: schedules (layers, members, overrides), absences, policies
(levels), contact methods; pagings and pages read-only."""

from __future__ import annotations

from django.contrib import admin

from escalade.core.admin_site import ViewOnlyModelAdmin
from escalade.oncall.models import (
    Absence,
    ContactMethod,
    EscalationLevel,
    EscalationPolicy,
    Layer,
    LayerMember,
    Override,
    Page,
    Paging,
    Schedule,
)


class LayerInline(admin.StackedInline):  # type: ignore[type-arg]
    model = Layer
    extra = 0


class OverrideInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Override
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "time_zone")
    inlines = (LayerInline, OverrideInline)


class LayerMemberInline(admin.TabularInline):  # type: ignore[type-arg]
    model = LayerMember
    extra = 1
    raw_id_fields = ("user",)


@admin.register(Layer)
class LayerAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "schedule", "rotation", "handoff_time", "position")
    list_select_related = ("schedule",)
    inlines = (LayerMemberInline,)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "starts_at", "ends_at", "reason")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


class EscalationLevelInline(admin.TabularInline):  # type: ignore[type-arg]
    model = EscalationLevel
    extra = 1
    raw_id_fields = ("user",)


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "repeat", "is_active")
    inlines = (EscalationLevelInline,)


@admin.register(ContactMethod)
class ContactMethodAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("user", "kind", "address", "is_active")
    list_select_related = ("user",)
    raw_id_fields = ("user",)


@admin.register(Paging)
class PagingAdmin(ViewOnlyModelAdmin):
    list_display = ("ticket", "reason", "level", "round", "acknowledged_at", "closed_at")
    list_select_related = ("ticket",)


@admin.register(Page)
class PageAdmin(ViewOnlyModelAdmin):
    list_display = ("paging", "user", "level", "round", "created_at")
    list_select_related = ("user",)
