from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.forms import AdminPasswordChangeForm, ReadOnlyPasswordHashField
from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Team, TeamMembership, User
from escalade.core.admin_site import AuditedModelAdmin


class UserAdminForm(forms.ModelForm):  # type: ignore[type-arg]
    password = ReadOnlyPasswordHashField(
        label=_("Password"),
        help_text=_("Passwords are not stored in clear; use the password form to set a new one."),
    )

    class Meta:
        model = User
        fields = (
            "email",
            "full_name",
            "organisation",
            "site",
            "role",
            "language",
            "time_zone",
            "phone",
            "job_title",
            "is_active",
            "password",
        )


class MembershipInline(admin.TabularInline):  # type: ignore[type-arg]
    model = TeamMembership
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(User)
class UserAdmin(AuditedModelAdmin):
    form = UserAdminForm
    change_password_form = AdminPasswordChangeForm
    change_user_password_template = None
    list_display = ("full_name", "email", "organisation", "role", "is_active")
    list_filter = ("role", "is_active", "language")
    search_fields = ("full_name", "email", "phone")
    list_select_related = ("organisation",)
    autocomplete_fields = ("organisation", "site")
    show_full_result_count = False

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        if obj is None:
            kwargs["exclude"] = ("password",)
        return super().get_form(request, obj, change=change, **kwargs)

    def get_urls(self) -> list[Any]:
        from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin  # noqa: PLC0415

        password_view = DjangoUserAdmin.user_change_password
        return [
            path(
                "<object_id>/password/",
                self.admin_site.admin_view(
                    lambda request, object_id: password_view(self, request, object_id)  # type: ignore[arg-type]
                ),
                name="accounts_user_password_change",
            ),
            *super().get_urls(),
        ]


@admin.register(Team)
class TeamAdmin(AuditedModelAdmin):
    list_display = ("name", "support_level", "is_active")
    list_filter = ("support_level", "is_active")
    search_fields = ("name",)
    filter_horizontal = ("organisations",)
    inlines = (MembershipInline,)
