"""Middleware of every page: the Permissions-Policy header and the input guard.

A NUL (or a lone surrogate) in a path segment, a query parameter, a form field or an uploaded file's
name would reach a query and fail there (PostgreSQL refuses NUL in text): such a request is refused
at once with 400, as JSON under ``/api/`` (the API's error shape), as a short page elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _

from escalade.core.text import unreadable_text

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


class PermissionsPolicyMiddleware:
    """Deny the browser features no page uses (``ESCALADE_PERMISSIONS_POLICY``), so that injected
    content could not use them either."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.ESCALADE_PERMISSIONS_POLICY)
        return response


class InputGuardMiddleware:
    """Refuse requests whose path, query, form fields or file names hold unreadable text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            field = _unreadable_input(request)
        except MultiPartParserError:
            return _refused(request, _("The request could not be read."), None)
        if field is None:
            return self.get_response(request)
        return _refused(request, _("Text may not contain NUL or invalid Unicode characters."), field)


def _refused(request: HttpRequest, message: str, field: str | None) -> HttpResponse:
    """400, as JSON under ``/api/`` (the API's error shape), as a short page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"code": "bad_request", "message": message, "field": field}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def _unreadable_input(request: HttpRequest) -> str | None:
    """The name of the first input holding unreadable text (``path`` for the path), else None."""
    if unreadable_text(request.path_info):
        return "path"
    found = _first(request.GET.lists())
    if found is None and request.method == "POST" and request.content_type in FORM_TYPES:
        found = _first(request.POST.lists())
        if found is None:
            names = ((name, [upload.name or "" for upload in files]) for name, files in request.FILES.lists())
            found = _first(names)
    return found


def _first(items: Iterable[tuple[str, list[str]]]) -> str | None:
    for name, values in items:
        if unreadable_text(name) or any(unreadable_text(value) for value in values):
            return name if not unreadable_text(name) else "?"
    return None
