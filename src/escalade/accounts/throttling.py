"""How django-axes names the account being tried, so that case tricks cannot dodge the lock."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def sign_in_name(request: HttpRequest, credentials: dict[str, Any] | None) -> str | None:
    """The e-mail being tried, lower-cased: ``Alice@X`` and ``alice@x`` count as the same account."""
    name = (credentials or {}).get("username") or request.POST.get("username")
    return str(name).strip().lower() if name else None
