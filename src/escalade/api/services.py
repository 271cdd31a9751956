"""Writes of the API app: issuing, revoking and touching tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.accounts.models import User
from escalade.api.models import ApiToken
from escalade.core.actors import Actor
from escalade.core.credentials import credentials_changed
from escalade.core.errors import ConflictError, ValidationFailed
from escalade.core.services import event_record

# last_used_at is bookkeeping: writing it on every request would turn each read into a write.
TOUCH_INTERVAL = timedelta(minutes=1)


def api_key_hash(key: str) -> str:
    """The stored form of a key: its SHA-256, hex."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: Actor, user: User, name: str) -> tuple[ApiToken, str]:
    """Issue a token for ``user``; returns it with the raw key, which is shown this once only."""
    name = name.strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), field="name")
    if not user.is_active:
        raise ValidationFailed(_("This person's account is inactive."), field="user")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name[:100], key_prefix=key[:8], key_hash=api_key_hash(key)
    )
    event_record(
        actor=actor,
        obj=token,
        action="api_token.created",
        data={"user": user.pk, "name": token.name, "key_prefix": token.key_prefix},
        organisation_id=user.organisation_id,
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke a token for good (a new one must be issued)."""
    token = ApiToken.objects.select_for_update().select_related("user").get(pk=token.pk)
    if token.revoked_at is not None:
        raise ConflictError(_("This token is already revoked."), field="revoked_at")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    credentials_changed()  # the processes that keep tokens drop it at the commit
    event_record(
        actor=actor,
        obj=token,
        action="api_token.revoked",
        data={"user": token.user_id, "key_prefix": token.key_prefix},
        organisation_id=token.user.organisation_id,
    )
    return token


def api_token_touch(*, token: ApiToken) -> None:
    """Note that the token was used (at most once a minute; no event: like a sign-in time)."""
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_INTERVAL:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
