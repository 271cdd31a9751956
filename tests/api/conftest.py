"""API test helpers: a client that sends a person's bearer token, a clock freezer that the event log
follows too, and the ``levels`` fixture of tests/tickets."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

import pytest
from django.test import Client

from escalade.accounts.models import User
from escalade.api.services import api_token_create
from escalade.core.actors import Actor
from escalade.core.models import Event
from tests.tickets.conftest import PARIS, levels  # noqa: F401 - levels is a fixture

__all__ = ["PARIS", "Api"]


@dataclass
class Api:
    """Calls the API as a person (their token is issued on first use) or anonymously (``None``)."""

    client: Client
    keys: dict[int, str] = field(default_factory=dict)

    def key(self, user: User) -> str:
        if user.pk not in self.keys:
            _token, self.keys[user.pk] = api_token_create(
                actor=Actor.system("tests"), user=user, name="tests"
            )
        return self.keys[user.pk]

    def headers(self, user: User | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key(user)}"} if user is not None else {}

    def get(self, path: str, user: User | None, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers(user))

    def post(self, path: str, user: User | None, body: Any = None) -> Any:
        data = json.dumps(body if body is not None else {})
        return self.client.post(path, data, content_type="application/json", headers=self.headers(user))

    def patch(self, path: str, user: User | None, body: Any) -> Any:
        return self.client.patch(
            path, json.dumps(body), content_type="application/json", headers=self.headers(user)
        )

    def delete(self, path: str, user: User | None) -> Any:
        return self.client.delete(path, headers=self.headers(user))

    def upload(self, path: str, user: User | None, data: dict[str, Any]) -> Any:
        return self.client.post(path, data, headers=self.headers(user))

    def call(self, method: str, path: str, user: User | None, body: Any = None) -> Any:
        if method == "GET":
            return self.get(path, user)
        if method == "PATCH":
            return self.patch(path, user, body)
        if method == "UPLOAD":
            return self.upload(path, user, body)
        if method == "DELETE":
            return self.delete(path, user)
        return self.post(path, user, body)


@pytest.fixture
def api(client: Client) -> Api:
    return Api(client=client)


@pytest.fixture
def frozen():
    """``with frozen(moment):`` stops the clock for the services *and* the event log.

    (``Event.occurred_at`` defaults to the ``timezone.now`` function object captured at import, which
    patching ``django.utils.timezone.now`` does not reach; the SLA clock reads those timestamps.)
    """

    @contextmanager
    def freeze(moment: dt.datetime) -> Iterator[None]:
        instant = moment.astimezone(dt.UTC)
        occurred_at = Event._meta.get_field("occurred_at")
        with ExitStack() as stack:
            stack.enter_context(mock.patch("django.utils.timezone.now", return_value=instant))
            stack.enter_context(mock.patch.object(occurred_at, "get_default", return_value=instant))
            yield

    return freeze
