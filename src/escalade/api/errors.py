"""Errors as JSON, mapped once: ``{"code", "message", "field"}`` with a stable code.

Domain errors carry their own code and status; the framework's own failures (bad input, no or bad
token, not found, forbidden) get the same shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from escalade.core.errors import DomainError

# Where ninja says an input came from, and the names our operations give their input parameters:
# neither is part of the field path a client knows.
LOCATIONS = frozenset({"body", "query", "path", "form", "file", "header", "cookie"})
PARAMETER_NAMES = frozenset({"payload", "filters"})


# The services name domain fields ("assignee"); the API's inputs name some of them differently.
INPUT_NAMES = {
    "assignee": "assignee_id", "team": "team_id", "category": "category_id", "site": "site_id",
    "requester": "requester_id", "watchers": "watcher_ids", "parent": "parent_id",
    "default_team": "default_team_id", "calendar": "calendar_id", "organisations": "organisation_ids",
}  # fmt: skip


def input_field(field: str | None) -> str | None:
    """The input name of a domain field, also inside a batch's item (``items.3.category`` →
    ``items.3.category_id``)."""
    match = re.fullmatch(r"(items\.\d+\.)?(.*)", field or "")
    if field is None or match is None:
        return field
    item, name = match.groups()
    return f"{item or ''}{INPUT_NAMES.get(name, name)}"


@contextmanager
def input_names(names: Mapping[str, str]) -> Iterator[None]:
    """Within the block, report a domain error's field by the operation's own input name."""
    try:
        yield
    except DomainError as error:
        error.field = names.get(error.field or "", error.field)
        raise


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "field": field, **extra}


def field_path(location: Sequence[str | int]) -> str | None:
    """``["body", "payload", "targets", 1, "priority"]`` → ``"targets.1.priority"``."""
    parts = list(location)
    if parts and parts[0] in LOCATIONS:
        parts = parts[1:]
    if parts and parts[0] in PARAMETER_NAMES:
        parts = parts[1:]
    return ".".join(str(part) for part in parts) or None


def _plain_errors(errors: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "field": field_path(error.get("loc", ())),
            "message": str(error.get("msg", "")),
            "type": error.get("type"),
        }
        for error in errors
    ]


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api`` (the most specific exception class wins)."""

    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
        field = input_field(exc.field)
        return respond(request, exc.http_status, error_body(exc.code, exc.message, field))

    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = _plain_errors(exc.errors)
        first = errors[0] if errors else {"field": None, "message": ""}
        message = _("Check the input: %(message)s") % {"message": first["message"]}
        body = error_body("validation_failed", message, first["field"], errors=errors)
        return respond(request, 422, body)

    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        body = error_body("unauthenticated", _("Send a valid API token: Authorization: Bearer <key>."))
        response = respond(request, 401, body)
        response["WWW-Authenticate"] = 'Bearer realm="escalade"'
        return response

    def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 403, error_body("permission_denied", _("You are not allowed to do this.")))

    def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        return respond(request, 404, error_body("not_found", _("Not found.")))

    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return respond(request, exc.status_code, error_body("bad_request", str(exc)))

    _handle(api, DomainError, domain_error)
    _handle(api, ValidationError, validation_error)
    _handle(api, AuthenticationError, unauthenticated)
    _handle(api, AuthorizationError, forbidden)
    _handle(api, PermissionDenied, forbidden)
    _handle(api, Http404, not_found)
    _handle(api, HttpError, http_error)


def _handle[E: Exception](
    api: NinjaAPI, exc_class: type[E], handler: Callable[[HttpRequest, E], HttpResponse]
) -> None:
    # ninja annotates the handler's argument as ``E | type[E]``; it always passes the instance.
    api.add_exception_handler(exc_class, cast("Any", handler))
