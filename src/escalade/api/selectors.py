"""Reads of the API app: the active token behind a key."""

from __future__ import annotations

from escalade.api.models import ApiToken
from escalade.api.services import api_key_hash


def api_token_for_key(*, key: str) -> ApiToken | None:
    """The non-revoked token of an active person whose key is ``key``, with its person loaded."""
    if not key or len(key) > 200:
        return None
    return (
        ApiToken.objects.select_related("user")
        .filter(key_hash=api_key_hash(key), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
