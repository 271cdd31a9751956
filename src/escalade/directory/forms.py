"""Forms of the directory pages: self-service start and code, and the administrators' configuration."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from escalade.directory.models import Directory, SelfServiceRequest
from escalade.orgs.models import Organisation


def new_key() -> str:
    return uuid.uuid4().hex


class IdempotentForm(forms.Form):
    """A form whose submission carries a key made when it was shown: a replayed POST acts once."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64, min_length=16)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", new_key())
        super().__init__(*args, **kwargs)


class StartForm(IdempotentForm):
    email = forms.EmailField(label=_("Your work e-mail address"), max_length=254)
    action = forms.ChoiceField(
        label=_("What do you need?"),
        widget=forms.RadioSelect,
        choices=[
            (SelfServiceRequest.Action.UNLOCK, _("My account is locked: unlock it")),
            (SelfServiceRequest.Action.PASSWORD_RESET, _("I forgot my password: choose a new one")),
        ],
        initial=SelfServiceRequest.Action.UNLOCK,
    )


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code received"), max_length=12, required=False)
    new_password = forms.CharField(
        label=_("New password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        max_length=200,
    )


class DirectoryForm(forms.ModelForm):  # type: ignore[type-arg]
    """The administrators' form; the bind password is write-only (left empty: unchanged)."""

    bind_password = forms.CharField(
        label=_("Bind password"),
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text=_("Stored encrypted; leave empty to keep the current one."),
    )

    class Meta:
        model = Directory
        fields = (
            "organisation",
            "name",
            "flavour",
            "url",
            "security",
            "verify_certificate",
            "bind_dn",
            "base_dn",
            "user_filter",
            "group_filter",
            "attribute_map",
            "verification",
            "timeout",
            "is_active",
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organisation"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organisation.objects.filter(kind=Organisation.Kind.CLIENT)


class GroupRuleForm(forms.Form):
    group_dn = forms.CharField(label=_("Group DN"), max_length=300)
    role = forms.ChoiceField(
        label=_("Role"),
        required=False,
        choices=[("", "—"), ("requester", _("Requester")), ("client_manager", _("Client manager"))],
    )
