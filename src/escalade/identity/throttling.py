"""Sign-in locks beyond django-axes' per-account lock: an address that fails too often, whatever the
accounts it tries, is locked too; and an administrator can lift an account's lock (ADR 0019)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any

from axes.helpers import get_client_ip_address
from axes.models import AccessFailureLog
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils import timezone


def address_failures(ip_address: str | None) -> int:
    """Failed sign-ins from one address within the cool-off time."""
    if not ip_address:
        return 0
    since = timezone.now() - timedelta(seconds=settings.AXES_COOLOFF_TIME.total_seconds())
    return int(AccessFailureLog.objects.filter(ip_address=ip_address, attempt_time__gte=since).count())


def locked_out_response(request: HttpRequest) -> HttpResponse:
    """The one answer for every lock, whether the account exists or not."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"cooloff_minutes": minutes}, status=429)


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """django-axes' lock answer (``AXES_LOCKOUT_CALLABLE``): the same page as the address lock."""
    return locked_out_response(request)


def address_guard(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Refuse a sign-in POST from an address past ``ESCALADE_LOGIN_ADDRESS_FAILURE_LIMIT`` failures
    (use on a view function, or with ``method_decorator`` on a view's ``post``)."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            limit = settings.ESCALADE_LOGIN_ADDRESS_FAILURE_LIMIT
            if address_failures(get_client_ip_address(request)) >= limit:
                return locked_out_response(request)
        return view(request, *args, **kwargs)

    return guarded
