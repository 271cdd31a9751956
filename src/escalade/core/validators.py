"""Validators shared by the apps."""

from __future__ import annotations

import re
from typing import Any

from django.core.validators import EmailValidator
from django.db import models
from django.utils.deconstruct import deconstructible

# A dot-atom of RFC 6531 (SMTPUTF8): RFC 5322's atom characters, plus any letter or digit of Unicode.
_ATOM = r"(?:[^\W_]|[-!#$%&'*+/=?^_`{}|~])+"


@deconstructible
class InternationalEmailValidator(EmailValidator):
    """Django's e-mail validator, also accepting UTF-8 local parts (``élodie@exemple.fr``, RFC 6531).

    Django already accepts internationalised domain names; people with accents in their address write
    to the desk by e-mail (issue 23) and get an account like anyone else.
    """

    user_regex = re.compile(
        rf"^{_ATOM}(?:\.{_ATOM})*\Z|^\"([\001-\010\013\014\016-\037!#-\[\]-\177]|\\[\001-\011\013\014\016-\177])*\"\Z",
        re.IGNORECASE,
    )


validate_international_email = InternationalEmailValidator()


class InternationalEmailField(models.EmailField):  # type: ignore[type-arg]
    """An ``EmailField`` that accepts internationalised addresses (:class:`InternationalEmailValidator`)."""

    default_validators = [validate_international_email]

    def formfield(self, **kwargs: Any) -> Any:
        from django import forms  # noqa: PLC0415

        field = super().formfield(**kwargs)
        if isinstance(field, forms.EmailField):
            field.validators = [validate_international_email]
        return field
