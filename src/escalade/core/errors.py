"""Domain errors raised by services; the web and API layers map them to HTTP once, in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: a stable machine-readable ``code`` and a human message (translated by the caller)."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class ValidationFailed(DomainError):  # noqa: N818 - reads as the outcome, like Django's PermissionDenied
    """The input breaks a rule; ``field`` names the offending field when there is one."""

    code = "validation_failed"
    http_status = 422


class PermissionDeniedError(DomainError):
    """The actor may not do this to this object."""

    code = "permission_denied"
    http_status = 403


class NotFoundError(DomainError):
    """The object does not exist, or the actor may not know that it does."""

    code = "not_found"
    http_status = 404


class ConflictError(DomainError):
    """The object changed state in a way that forbids the request (e.g. an invalid transition)."""

    code = "conflict"
    http_status = 409
