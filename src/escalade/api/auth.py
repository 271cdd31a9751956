"""Bearer-token authentication, and the small helpers every endpoint uses to know who is calling."""

from __future__ import annotations

import zoneinfo

from django.http import HttpRequest
from django.utils import timezone, translation
from ninja.security import HttpBearer

from escalade.accounts.models import User
from escalade.api.tokens import token_for_key
from escalade.core.actors import Actor
from escalade.core.http import client_ip


class TokenAuth(HttpBearer):
    """``Authorization: Bearer <key>``: an active person's non-revoked token.

    Like the web pages (UserPreferencesMiddleware), the person's language and time zone apply to
    the request, so the services' messages come back in their language.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = token_for_key(key=token)  # kept for a few seconds, revocations seen at once
        if api_token is None:
            return None
        user = api_token.user
        request.user = user
        translation.activate(user.language)
        request.LANGUAGE_CODE = user.language
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()
        return user


def caller(request: HttpRequest) -> User:
    """The authenticated person (the API's global auth guarantees there is one)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # pragma: no cover - every operation is authenticated
        raise TypeError("the API authenticates every operation")
    return user


def actor_of(request: HttpRequest) -> Actor:
    """The calling person as the author of a change, with their address."""
    return Actor.of(caller(request), source_ip=client_ip(request))
