from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.forms import AdminPasswordChangeForm, ReadOnlyPasswordHashField
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import path
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Team, TeamMembership, User
from escalade.core.actors import Actor
from escalade.core.admin_site import AuditedModelAdmin
from escalade.core.http import client_ip
from escalade.identity.services import sign_in_unlock, two_factor_reset


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
    actions = ("unlock_sign_in", "reset_two_factor")
    credentials = True  # a revocation or deactivation reaches every process at once

    @admin.action(description=_("Unlock sign-in (after too many failed attempts)"))
    def unlock_sign_in(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        assert isinstance(request.user, User)
        actor = Actor.of(request.user, source_ip=client_ip(request))
        for user in queryset:
            sign_in_unlock(actor=actor, user=user)
        self.message_user(
            request, _("Sign-in unlocked for %(count)d people.") % {"count": len(queryset)}, messages.SUCCESS
        )

    @admin.action(description=_("Reset two-factor authentication (lost phone)"))
    def reset_two_factor(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        assert isinstance(request.user, User)
        actor = Actor.of(request.user, source_ip=client_ip(request))
        for user in queryset:
            two_factor_reset(actor=actor, user=user)
        self.message_user(
            request,
            _("Two-factor authentication reset for %(count)d people.") % {"count": len(queryset)},
            messages.SUCCESS,
        )

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
    reference_data = True
    list_display = ("name", "support_level", "is_active")
    list_filter = ("support_level", "is_active")
    search_fields = ("name",)
    filter_horizontal = ("organisations",)
    inlines = (MembershipInline,)
