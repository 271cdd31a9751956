"""API tokens kept per process for a few seconds (``api.tokens``, issue 20): the token is read once, yet
a revoked token, a deactivated person and a changed role take effect on the very next request."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalade.accounts.models import Role
from escalade.accounts.services import team_create, team_member_add, user_update, user_update_profile
from escalade.api.models import ApiToken
from escalade.api.services import api_token_revoke
from escalade.core.actors import Actor
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db

ADMIN = Actor.system("tests")


@pytest.fixture(autouse=True)
def kept_for_five_seconds(settings):
    """As with Redis configured (the test cache is this process's own, which is all the tests need)."""
    settings.ESCALADE_API_TOKEN_CACHE_SECONDS = 5


@pytest.fixture
def reference(api: Api, world) -> str:
    """A ticket of client A, which the agent serving A may read."""
    response = api.post("/api/tickets", world.requester_a, {"title": "Imprimante bloquée"})
    assert response.status_code == 201, response.content
    return str(response.json()["reference"])


def _token_reads(api: Api, user, path: str) -> tuple[int, int]:
    """The status of GET ``path`` as ``user`` and how many statements read the tokens table."""
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, user)
    reads = [
        q for q in captured.captured_queries if q["sql"].startswith("SELECT") and "api_apitoken" in q["sql"]
    ]
    return response.status_code, len(reads)


def test_a_token_is_read_once_then_kept(api, world, reference):
    assert _token_reads(api, world.agent_a, f"/api/tickets/{reference}") == (200, 1)
    assert _token_reads(api, world.agent_a, f"/api/tickets/{reference}") == (200, 0)
    assert _token_reads(api, world.agent_a, "/api/me") == (200, 0)


def test_without_a_shared_cache_every_request_reads_its_token(api, world, reference, settings):
    settings.ESCALADE_API_TOKEN_CACHE_SECONDS = 0
    assert _token_reads(api, world.agent_a, f"/api/tickets/{reference}") == (200, 1)
    assert _token_reads(api, world.agent_a, f"/api/tickets/{reference}") == (200, 1)


def test_with_the_cache_unreachable_every_request_reads_its_token(api, world, reference):
    """Redis down answers no version (``core.cache``): nothing is kept, nothing stale is used."""
    with mock.patch("escalade.api.tokens.credentials_version", return_value=None):
        assert _token_reads(api, world.agent_a, f"/api/tickets/{reference}") == (200, 1)
        assert _token_reads(api, world.agent_a, f"/api/tickets/{reference}") == (200, 1)


def test_a_revoked_token_is_refused_on_the_next_request(
    api, world, reference, django_capture_on_commit_callbacks
):
    assert api.get(f"/api/tickets/{reference}", world.agent_a).status_code == 200
    token = ApiToken.objects.get(user=world.agent_a)
    with django_capture_on_commit_callbacks(execute=True):
        api_token_revoke(actor=ADMIN, token=token)
    response = api.get(f"/api/tickets/{reference}", world.agent_a)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_deactivated_person_is_refused_on_the_next_request(
    api, world, reference, django_capture_on_commit_callbacks
):
    assert api.get(f"/api/tickets/{reference}", world.agent_a).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        user_update(actor=ADMIN, user=world.agent_a, is_active=False)
    assert api.get(f"/api/tickets/{reference}", world.agent_a).status_code == 401


def test_a_role_change_applies_on_the_next_request(api, world, reference, django_capture_on_commit_callbacks):
    assert api.get(f"/api/tickets/{reference}", world.agent_a).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        user_update(actor=ADMIN, user=world.agent_a, role=Role.REQUESTER)
    # A requester sees only their own tickets: the agent's former view is gone.
    assert api.get(f"/api/tickets/{reference}", world.agent_a).status_code == 404
    assert api.get("/api/me", world.agent_a).json()["role"] == Role.REQUESTER


def test_a_language_change_applies_on_the_next_request(api, world, django_capture_on_commit_callbacks):
    assert api.post("/api/tickets", world.requester_a, {"title": ""}).json()["message"] != ""
    french = api.post("/api/tickets", world.requester_a, {"title": " "}).json()["message"]
    with django_capture_on_commit_callbacks(execute=True):
        user_update_profile(actor=ADMIN, user=world.requester_a, language="en")
    english = api.post("/api/tickets", world.requester_a, {"title": " "}).json()["message"]
    assert french != english


def test_a_new_team_membership_applies_on_the_next_request(api, world):
    """Memberships are not kept with the token, and the organisations a person serves, kept per
    process, are forgotten when a team or a membership is created."""
    ticket_of_b = api.post("/api/tickets", world.requester_b, {"title": "Écran noir"}).json()["reference"]
    assert api.get(f"/api/tickets/{ticket_of_b}", world.agent_a).status_code == 404
    actor = Actor.of(world.administrator)
    team = team_create(actor=actor, name="L1 B bis", support_level=1, organisations=[world.client_b])
    team_member_add(actor=actor, team=team, user=world.agent_a)
    assert api.get(f"/api/tickets/{ticket_of_b}", world.agent_a).status_code == 200


def test_a_token_revoked_in_the_admin_is_refused_on_the_next_request(
    api, world, reference, client, django_capture_on_commit_callbacks
):
    assert api.get(f"/api/tickets/{reference}", world.agent_a).status_code == 200
    token = ApiToken.objects.get(user=world.agent_a)
    client.force_login(world.administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/api/apitoken/{token.pk}/change/",
            {"revoked_at_0": "2026-01-01", "revoked_at_1": "10:00:00"},
        )
    assert response.status_code == 302, response.content[:500]
    client.logout()
    assert api.get(f"/api/tickets/{reference}", world.agent_a).status_code == 401
