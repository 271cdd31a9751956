"""The pages' middleware is passed by for the API (``core.pages``, issue 20), and the API loses nothing
it relied on: token authentication, the host check, the security headers, the language of its errors,
and each request's time zone."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.utils import timezone

from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


def test_an_api_answer_sets_no_cookie_and_does_not_vary_on_it(api: Api, world):
    response = api.get("/api/me", world.agent_a)
    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")
    assert response["Content-Security-Policy"]  # the security headers stay
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_desk_session_does_not_authenticate_the_api(client, world):
    client.force_login(world.agent_a)
    assert client.get("/desk/").status_code == 200  # the session works for pages
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_pages_keep_their_session_messages_and_language(client, world):
    client.force_login(world.requester_b)  # speaks English
    response = client.get("/portal/")
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    assert "Cookie" in response["Vary"]


def test_an_error_before_authentication_speaks_the_callers_language(client):
    french = client.get("/api/me", headers={"Authorization": "Bearer nope", "Accept-Language": "fr"})
    english = client.get("/api/me", headers={"Authorization": "Bearer nope", "Accept-Language": "en"})
    assert french.status_code == english.status_code == 401
    assert french.json()["message"] != english.json()["message"]


def test_an_unknown_host_is_refused_on_the_api_too(api: Api, world):
    response = api.client.get("/api/me", headers={**api.headers(world.agent_a), "Host": "evil.example"})
    assert response.status_code == 400


def test_the_callers_time_zone_ends_with_the_request(api: Api, world):
    world.agent_a.time_zone = "America/New_York"
    world.agent_a.save(update_fields=["time_zone"])
    assert api.get("/api/me", world.agent_a).status_code == 200
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_the_api_documentation_is_a_page(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert "text/html" in response["Content-Type"]
