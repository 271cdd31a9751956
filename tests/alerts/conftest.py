from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from escalade.alerts.models import AlertSource, SourceKind


@pytest.fixture
def source(world: Any) -> AlertSource:
    """An Alertmanager source for client A, incidents logged for its manager."""
    return AlertSource.objects.create(
        name="Prometheus A",
        kind=SourceKind.ALERTMANAGER,
        organisation=world.client_a,
        requester=world.manager_a,
    )


@pytest.fixture
def post(client: Client):
    """``post(token, body)`` → the response (JSON bodies; bytes sent as they are)."""

    def send(token: str, body: Any):
        data = body if isinstance(body, bytes) else __import__("json").dumps(body)
        return client.post(
            f"/alerts/intake/{token}/",
            data,
            content_type="application/json",
            headers={"accept-language": "en"},
        )

    return send
