"""Every operation of the API, fuzzed from its own OpenAPI schema (schemathesis, in-process over WSGI).

For an agent, a requester and an administrator: whatever schemathesis generates (valid inputs, and
inputs the schema forbids), the answer is never a 5xx, always JSON of the documented shape with a
documented status code, and an input the schema forbids is refused with a 4xx. Examples are bounded
and derandomised so the run is short and repeatable; a new endpoint is covered without a new test.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from escalade.core.actors import Actor
from escalade.tickets.services import ticket_create
from tests.api.conftest import Api


def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    """Escalade's WSGI application as Django's test client runs it: the request's end must not close
    the database connection, which holds the test's transaction."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        response = WSGI(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            response.close()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


WSGI = get_wsgi_application()
# A body beyond ESCALADE_API_BODY_MAX_KB is refused with 413 (documented), also when it breaks the schema.
REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429"]
# The token is the test's (each role's); unknown query parameters are ignored, as HTTP APIs do.
CONFIG = schemathesis.Config.from_dict(
    {
        "checks": {"negative_data_rejection": {"expected-statuses": REJECTIONS}},
        "generation": {"allow-extra-parameters": False, "with-security-parameters": False},
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema", application, config=CONFIG)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
ROLES = ("agent_a", "requester_a", "administrator")


@pytest.fixture
def headers(client, world, request) -> dict[str, str]:
    # Something to find: a ticket of client A (its reference may come up, and lists are not empty).
    ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="Imprimante")
    return Api(client=client).headers(getattr(world, request.param))


@pytest.mark.django_db
@pytest.mark.parametrize("headers", ROLES, indirect=True)
@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_a_5xx_or_breaks_its_schema(case, headers):
    case.call_and_validate(headers=headers, checks=CHECKS)
