"""Form widgets shared by the apps."""

from __future__ import annotations

from django import forms


class IsoDateInput(forms.DateInput):
    """A browser date picker. Its value must be ISO (``2026-12-06``) whatever the language: with the
    locale's format ("06/12/2026" in French) the browser shows an empty field, and saving the form
    wipes the date."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
