"""The API's boundary: what reaches an operation is a readable JSON object, and what leaves is JSON.

One place for every operation, present and future (ADR 0014):

* a JSON body larger than ``ESCALADE_API_BODY_MAX_BYTES`` is refused with 413 before it is read;
* a JSON body must be an object (``"hello world"`` or ``[…]`` is 422, not a ticket titled "Hello
  World": ninja's schemas read attributes, and ``str.title`` is one), and may hold neither text that
  the databases refuse (NUL, lone surrogates) nor integers beyond 64 bits nor NaN/Infinity: 422
  naming the field;
* every error answer under ``/api/`` is JSON of the API's error shape, also those Django writes
  itself (unknown path: 404, 405, 413, 500).

Path segments, query parameters and form fields are checked for every page by
:class:`escalade.core.middleware.InputGuardMiddleware`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from escalade.core.text import BIGINT_MAX, BIGINT_MIN, unreadable_text

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "too_many_requests",
}


def api_error(status: int, message: str, field: str | None = None) -> JsonResponse:
    """An error answer of the API's shape (``{"code", "message", "field"}``)."""
    code = CODES.get(status, "server_error" if status >= 500 else "bad_request")
    return JsonResponse({"code": code, "message": message, "field": field}, status=status)


class ApiBoundaryMiddleware:
    """See the module. Acts on ``/api/`` only; put it first, so that it sees Django's own errors."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        refusal = self._refusal(request)
        response = refusal or self.get_response(request)
        return _as_json(response)

    def _refusal(self, request: HttpRequest) -> HttpResponse | None:
        if request.method not in WRITE_METHODS or request.content_type != "application/json":
            return None
        limit = settings.ESCALADE_API_BODY_MAX_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > limit:
            message = _("The request body is larger than the limit of %(limit)s KB.")
            return api_error(413, message % {"limit": limit // 1024})
        if not request.body:
            return None
        try:
            document = json.loads(request.body, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            return api_error(400, _("The request body is not valid JSON."))
        if not isinstance(document, dict):
            return api_error(422, _("The request body must be a JSON object."))
        problem = next(_problems(document, ()), None)
        return api_error(422, problem[1], problem[0]) if problem else None


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _problems(value: object, path: tuple[str, ...]) -> Iterator[tuple[str | None, str]]:
    """Each value of a parsed JSON document that no operation can accept, with its field path."""
    field = ".".join(path) or None
    if isinstance(value, str):
        if unreadable_text(value):
            yield field, _("Text may not contain NUL or invalid Unicode characters.")
    elif isinstance(value, bool | float):
        return
    elif isinstance(value, int):
        if not BIGINT_MIN <= value <= BIGINT_MAX:
            yield field, _("This number is out of range.")
    elif isinstance(value, dict):
        for key, item in value.items():
            if unreadable_text(key):
                yield field, _("Text may not contain NUL or invalid Unicode characters.")
            yield from _problems(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _problems(item, (*path, str(index)))


def _as_json(response: HttpResponse) -> HttpResponse:
    """Django's own error pages (404 of an unknown path, 500…) as the API's JSON error shape."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    status = response.status_code
    messages = {
        404: _("Not found."),
        405: _("This method is not allowed here."),
        413: _("The request is too large."),
    }
    default = _("Server error: it has been logged.") if status >= 500 else _("The request could not be read.")
    converted = api_error(status, messages.get(status, default))
    for header in ("Allow", "WWW-Authenticate", "Retry-After"):
        if header in response:
            converted[header] = response[header]
    return converted
