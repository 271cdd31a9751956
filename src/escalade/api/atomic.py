"""A write through the API commits together with its answer (ADR 0011).

The API's writes (POST, PUT, PATCH, DELETE under ``/api/``) run in one transaction that also covers
building the answer: the service's commit is the last thing to touch the database, so a write that
committed never answers 5xx because the database went away while the answer was being read (a
connection killed, a failover). The other way round, an answer of 5xx rolls the whole request back:
nothing is committed behind an error the client will retry.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


class ApiWriteTransactionMiddleware:
    """Wrap each API write, its answer included, in one transaction; roll back on a 5xx answer."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS or not request.path.startswith("/api/"):
            return self.get_response(request)
        with transaction.atomic():
            response = self.get_response(request)
            if response.status_code >= 500:  # a server error: nothing stays behind it
                transaction.set_rollback(True)
        return response
