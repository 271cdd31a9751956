"""Mandatory two-factor authentication for provider staff (``ESCALADE_TWO_FACTOR_REQUIRED``)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

# What an agent who owes an enrolment may still reach: the enrolment itself, signing out, the language
# switch, static files, the health check; the API authenticates by token, not by this session.
ALLOWED_NAMES = ("identity:enrol", "accounts:logout", "accounts:set_language")
ALLOWED_PREFIXES = ("/static/", "/api/", "/health")


class TwoFactorEnrolmentMiddleware:
    """After OTPMiddleware: when two-factor authentication is mandatory, provider staff signed in without
    a second factor are sent to enrol (or, if they already have one, back to sign in with it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.ESCALADE_TWO_FACTOR_REQUIRED and self._owes_second_factor(request):
            allowed = {reverse(name) for name in ALLOWED_NAMES}
            if request.path not in allowed and not request.path.startswith(ALLOWED_PREFIXES):
                if user_has_device(request.user, confirmed=True):
                    logout(request)
                    return redirect("accounts:login")
                return redirect("identity:enrol")
        return self.get_response(request)

    @staticmethod
    def _owes_second_factor(request: HttpRequest) -> bool:
        user = request.user
        if not user.is_authenticated or not getattr(user, "is_provider_staff", False):
            return False
        is_verified = getattr(user, "is_verified", None)
        return not (is_verified is not None and is_verified())
