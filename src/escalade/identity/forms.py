"""Forms of the sign-in pages: ask for a reset link, give a code."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.identity.services import password_reset_request


class ResetRequestForm(PasswordResetForm):
    """Django's reset form, sending through Escalade's outbox in the person's own language.

    People without a password yet (created by the mail intake or an administrator) may use it to set
    their first one: the link goes to their mailbox, which is what the account is known by.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail address")

    def get_users(self, email: str) -> QuerySet[User]:
        return User.objects.filter(email=email.strip().lower(), is_active=True)

    def save(self, *args: Any, source_ip: str | None = None, **kwargs: Any) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            password_reset_request(actor=Actor.of(user, source_ip=source_ip), user=user)


class CodeForm(forms.Form):
    """A six-digit code from the authenticator app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "inputmode": "text"}
        ),
    )

    def clean_code(self) -> str:
        return "".join(str(self.cleaned_data["code"]).split()).lower()
