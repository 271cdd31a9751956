from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import api  # noqa: F401 - a fixture: the API called with a person's token
from tests.oncall.helpers import Rota, rota_build
from tests.webhooks.conftest import Receiver, receiver  # noqa: F401 - a local stand-in HTTP server

__all__ = ["Receiver"]


@pytest.fixture
def rota(world: Any) -> Rota:
    return rota_build(world)


@pytest.fixture
def loopback(settings: Any) -> None:
    """The stand-in provider listens on loopback, which outbound calls refuse unless told (SSRF guard)."""
    settings.ESCALADE_WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.ESCALADE_WEBHOOK_TIMEOUT = 0.5
