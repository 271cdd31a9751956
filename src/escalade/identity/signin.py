"""The last step of every sign-in (password, directory, single sign-on): ask the second factor or open
the session. Any backend's view ends with :func:`sign_in_complete`, so two-factor authentication
applies to every way in (ADR 0019)."""

from __future__ import annotations

import time

from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode
from django_otp import user_has_device

from escalade.accounts.models import User

PENDING_USER = "identity_pending_user"
PENDING_BACKEND = "identity_pending_backend"
PENDING_UNTIL = "identity_pending_until"
PENDING_NEXT = "identity_pending_next"
PENDING_SECONDS = 300


def sign_in_complete(request: HttpRequest, user: User, *, next_url: str) -> HttpResponse:
    """Open the session, or, for a person with a confirmed second factor, keep them pending (not signed
    in) and send them to the code page. ``user.backend`` is set by ``authenticate``."""
    backend = getattr(user, "backend", None)
    if user_has_device(user, confirmed=True):
        request.session.cycle_key()
        request.session[PENDING_USER] = user.pk
        request.session[PENDING_BACKEND] = backend
        request.session[PENDING_UNTIL] = time.time() + PENDING_SECONDS
        request.session[PENDING_NEXT] = next_url
        return HttpResponseRedirect(reverse("identity:second_factor"))
    login(request, user, backend=backend)
    return HttpResponseRedirect(next_url)


def pending_user(request: HttpRequest) -> User | None:
    """The person who gave their password and still owes a code (None once the pending time is over)."""
    user_id = request.session.get(PENDING_USER)
    if user_id is None or request.session.get(PENDING_UNTIL, 0) < time.time():
        return None
    return User.objects.filter(pk=user_id, is_active=True).first()


def pending_finish(request: HttpRequest, user: User) -> str:
    """Open the pending person's session; returns where to go next."""
    backend = request.session.get(PENDING_BACKEND)
    next_url = str(request.session.get(PENDING_NEXT) or "/")
    for key in (PENDING_USER, PENDING_BACKEND, PENDING_UNTIL, PENDING_NEXT):
        request.session.pop(key, None)
    login(request, user, backend=backend)
    return next_url


def sign_in_options(*, next_url: str = "") -> list[tuple[str, str]]:
    """The other ways in shown under the password form: ``(label, url)`` per single sign-on provider.
    Another way in (a directory, a new protocol) adds its entries here."""
    from escalade.identity.sso import active_providers  # noqa: PLC0415 - sso imports this module

    query = f"?{urlencode({'next': next_url})}" if next_url else ""
    return [
        (provider.name, reverse("identity:sso_start", kwargs={"slug": provider.slug}) + query)
        for provider in active_providers()
    ]
