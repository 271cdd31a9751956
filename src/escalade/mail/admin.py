from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from escalade.core.admin_site import AuditedModelAdmin
from escalade.core.errors import DomainError
from escalade.mail.models import BouncingAddress, Mailbox, OutboundMail, Quarantine
from escalade.mail.services import quarantine_discard, quarantine_retry, retry_summary


@admin.register(Mailbox)
class MailboxAdmin(AuditedModelAdmin):
    list_display = ("name", "email", "host", "folder", "unknown_senders", "is_active", "last_polled_at")
    list_filter = ("is_active", "unknown_senders")
    readonly_fields = ("last_polled_at", "last_error")
    list_select_related = ("organisation",)


class ReadOnlyAdmin(AuditedModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Quarantine)
class QuarantineAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "reason", "status", "sender", "subject", "retries", "mailbox")
    list_filter = ("status", "reason", "mailbox")
    search_fields = ("sender", "subject", "message_id")
    actions = ("retry", "discard")

    @admin.action(description=_("Retry the selected messages"))
    def retry(self, request: HttpRequest, queryset: QuerySet[Quarantine]) -> None:
        """Each message's result is reported as it is: imported, already imported, or refused again."""
        for entry in queryset:
            try:
                outcome = quarantine_retry(actor=self._actor(request), entry=entry)
            except DomainError as error:
                self.message_user(request, f"{entry}: {error}", messages.WARNING)
                continue
            imported = outcome.kind in {"ticket", "followup"}
            level = messages.SUCCESS if imported else messages.WARNING
            self.message_user(request, f"{entry}: {retry_summary(outcome)}", level)

    @admin.action(description=_("Discard the selected messages"))
    def discard(self, request: HttpRequest, queryset: QuerySet[Quarantine]) -> None:
        self._apply(request, queryset, quarantine_discard)

    def _apply(self, request: HttpRequest, queryset: QuerySet[Quarantine], service: Any) -> None:
        done = 0
        for entry in queryset:
            try:
                service(actor=self._actor(request), entry=entry)
            except DomainError as error:
                self.message_user(request, f"{entry}: {error}", messages.WARNING)
            else:
                done += 1
        self.message_user(request, _("%(count)d message(s) handled.") % {"count": done}, messages.SUCCESS)


@admin.register(OutboundMail)
class OutboundMailAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "to", "state", "attempts", "sent_at", "ticket")
    list_filter = ("state", "kind")
    search_fields = ("to", "subject", "message_id")
    list_select_related = ("ticket",)


@admin.register(BouncingAddress)
class BouncingAddressAdmin(AuditedModelAdmin):
    list_display = ("email", "bounces", "last_bounced_at", "last_reason")
    search_fields = ("email",)
