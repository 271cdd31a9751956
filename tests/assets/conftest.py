"""Assets fixtures: an enrolment token per client, the recorded agent payloads, and a helper to post
as the agents do (zlib bodies)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from escalade.assets.catalogue import catalogue_forget
from escalade.assets.services import inventory_token_create
from escalade.core.actors import Actor
from tests.conftest import World

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    """A recorded agent payload (tests/assets/samples: real FusionInventory 2.6 and OCS 2.10 output
    from a Debian 12 machine; a GLPI Agent JSON inventory written to the published format)."""
    return (SAMPLES / name).read_bytes()


@dataclass
class Tokens:
    a: str
    b: str


@pytest.fixture(autouse=True)
def _catalogue_cache_empty() -> None:
    """Each test starts with this process's cache of product ids empty (its database is rolled back)."""
    catalogue_forget()


@pytest.fixture
def tokens(world: World) -> Tokens:
    system = Actor.system("test")
    _, secret_a = inventory_token_create(actor=system, organisation=world.client_a, label="A agents")
    _, secret_b = inventory_token_create(actor=system, organisation=world.client_b, label="B agents")
    return Tokens(a=secret_a, b=secret_b)


def post_agent(
    client: Client, token: str, body: bytes, *, compress: bool = True, content_type: str = ""
) -> Any:
    data = zlib.compress(body) if compress else body
    kind = content_type or ("application/x-compress-zlib" if compress else "application/xml")
    return client.post(
        f"/inventory/{token}/", data=data, content_type=kind, HTTP_USER_AGENT="FusionInventory-Agent_v2.6-3"
    )
