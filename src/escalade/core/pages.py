"""Middleware that serves the pages only, passed by for the API (issue 20).

An API request authenticates with its bearer token (``api.auth.TokenAuth``, which also applies the
person's language and time zone) and answers JSON: it has no use for the desk's session, the signed-in
user of that session and its second factor, the language negotiated for pages, flash messages or htmx.
Each class below is Django's (or its package's) middleware, unchanged for pages, and a straight
pass-through for ``/api/`` paths. The interactive API documentation (``/api/docs``) is a page and keeps
them all.

What the API keeps: the security headers and HTTPS redirect (``SecurityMiddleware``), the
Content-Security-Policy and X-Frame-Options headers, the host and user-agent checks
(``CommonMiddleware``), the CSRF middleware (ninja's operations are CSRF-exempt at that level; a cookie
authentication would check CSRF itself) and axes. The language of an answer given before
authentication (401, 400) is still negotiated from ``Accept-Language``.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation
from django_htmx.middleware import HtmxMiddleware as DjangoHtmxMiddleware
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

API_PREFIX = "/api/"
API_PAGES = ("/api/docs",)  # under /api/, but pages


def is_api_request(request: HttpRequest) -> bool:
    """Whether ``request`` is for the API (JSON, token-authenticated), not for a page."""
    path = request.path_info
    return path.startswith(API_PREFIX) and not path.startswith(API_PAGES)


class _PagesOnly:
    """Runs the middleware it is mixed into for pages; hands API requests straight on."""

    get_response: Any

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_request(request):
            self.for_api(request)
            response: HttpResponse = self.get_response(request)
            return response
        page: HttpResponse = super().__call__(request)  # type: ignore[misc]
        return page

    def for_api(self, request: HttpRequest) -> None:
        """What an API request still needs of this middleware (nothing by default)."""


class SessionMiddleware(_PagesOnly, DjangoSessionMiddleware):
    """Django's sessions, for pages."""


class LocaleMiddleware(_PagesOnly, DjangoLocaleMiddleware):
    """Django's language negotiation, for pages; the API negotiates ``Accept-Language`` alone (the
    token's person's language replaces it once authenticated)."""

    def for_api(self, request: HttpRequest) -> None:
        language = translation.get_language_from_request(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language


class AuthenticationMiddleware(_PagesOnly, DjangoAuthenticationMiddleware):
    """The session's person, for pages; an API request is anonymous until its token says who it is."""

    def for_api(self, request: HttpRequest) -> None:
        request.user = AnonymousUser()


class OTPMiddleware(_PagesOnly, DjangoOTPMiddleware):  # type: ignore[misc]  # django-otp is untyped
    """django-otp's verified second factor of the session's person, for pages."""


class MessageMiddleware(_PagesOnly, DjangoMessageMiddleware):
    """Django's flash messages, for pages."""


class HtmxMiddleware(_PagesOnly, DjangoHtmxMiddleware):
    """django-htmx's ``request.htmx``, for pages."""
