"""Bad input gets a clear 4xx in the API's JSON error shape, on both databases, and changes nothing.

The audit's cases (ADR 0014): NUL and lone surrogates anywhere, integers beyond 64 bits, crafted
cursors, null on fields that have no empty value, bodies that are not JSON objects, texts, tags and
bodies beyond their limits, unknown paths and server errors.
"""

from __future__ import annotations

import base64
import json
from unittest import mock

import pytest
from django.conf import settings
from django.test import Client

from escalade.core.actors import Actor
from escalade.orgs.models import Organisation
from escalade.tickets.models import FollowUp, Ticket
from escalade.tickets.services import ticket_create

pytestmark = pytest.mark.django_db

HUGE = 2**64 + 1


@pytest.fixture
def ticket(world):
    return ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="Imprimante")


def _error(response, status):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) >= {"code", "message", "field"}
    assert body["message"]
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "Imprimante\x00"}, "title"),
        ({"title": "Imprimante", "description": "a\x00b"}, "description"),
        ({"title": "Imprimante", "tags": ["ok", "\x00"]}, "tags.1"),
        ({"title": "Imprimante", "custom_fields": {"serial": "\x00"}}, "custom_fields.serial"),
        ({"title": "Imprimante\ud800"}, "title"),
        ({"title": "Imprimante", "category_id": HUGE}, "category_id"),
    ],
    ids=["title", "description", "tag", "custom field", "lone surrogate", "huge id"],
)
def test_unreadable_text_or_huge_numbers_in_a_body_are_a_422_naming_the_field(api, world, body, field):
    response = api.post("/api/tickets", world.requester_a, body)

    assert _error(response, 422)["field"] == field
    assert not Ticket.objects.exists()


def test_nul_in_a_reply_is_refused_and_the_conversation_is_unchanged(api, world, ticket):
    response = api.post(f"/api/tickets/{ticket.reference}/followups", world.agent_a, {"body": "ok\x00"})

    assert _error(response, 422)["field"] == "body"
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/api/tickets?q=%00",
        "/api/tickets?cursor=a%00b",
        "/api/tickets/ESC-%00/",
        "/api/tickets/ESC%00",
        "/api/kb/search?q=%00",
        "/api/search?q=x%00",
    ],
)
def test_nul_in_the_path_or_the_query_is_a_400_for_any_requester(api, world, path):
    for person in (world.requester_a, world.agent_a, world.administrator):
        assert _error(api.client.get(path, headers=api.headers(person)), 400)["code"] == "bad_request"


def test_nul_in_a_page_query_or_form_is_a_400_page_not_a_500(client, world, password):
    client.force_login(world.agent_a)

    assert client.get("/desk/?q=%00").status_code == 400
    assert client.post("/portal/new/", {"title": "x\x00"}).status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        {"organisation": HUGE},
        {"team": -HUGE},
        {"assignee": HUGE, "category": HUGE},
        {"limit": HUGE},
    ],
)
def test_integers_beyond_64_bits_in_filters_are_refused_or_match_nothing(api, world, ticket, query):
    response = api.get("/api/tickets", world.agent_a, **query)

    assert response.status_code in {200, 422}
    if response.status_code == 200:
        assert response.json()["items"] == []


@pytest.mark.parametrize("path", [f"/api/organisations/{HUGE}", f"/api/tickets/ESC/attachments/{HUGE}"])
def test_integers_beyond_64_bits_in_paths_are_not_found(api, world, path):
    _error(api.get(path, world.administrator), 404)


def _cursor(value: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "!!!",
        _cursor("text"),
        _cursor({"a": 1}),
        _cursor(["-id", HUGE, None]),
        _cursor(["-id", 1e308, None]),
        _cursor(["-id", "1\x00", None]),
        _cursor(["resolution_due", 1, "10000-01-01"]),
        _cursor(["resolution_due", 1, "2026-01-01T00:00:00"]),
        _cursor(["-id", 1, None, "extra"]),
    ],
)
def test_a_crafted_cursor_is_a_422_on_cursor(api, world, ticket, cursor):
    sort = (
        "resolution_due"
        if "resolution" in base64.urlsafe_b64decode(cursor + "===").decode("latin-1")
        else "-id"
    )

    response = api.get("/api/tickets", world.agent_a, cursor=cursor, sort=sort)

    assert _error(response, 422)["field"] == "cursor"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/organisations/{org}", {"phone": None}),
        ("/api/organisations/{org}", {"notes": None}),
        ("/api/organisations/{org}", {"name": None}),
        ("/api/tickets/{ref}", {"title": None}),
        ("/api/tickets/{ref}", {"description": None}),
        ("/api/tickets/{ref}", {"tags": None}),
    ],
)
def test_null_on_a_field_without_an_empty_value_is_a_422(api, world, ticket, path, body):
    url = path.format(org=world.client_a.pk, ref=ticket.reference)

    response = api.patch(url, world.administrator, body)

    assert _error(response, 422)["field"] == next(iter(body))
    assert Organisation.objects.get(pk=world.client_a.pk).name == "Client A"


@pytest.mark.parametrize(
    ("operation", "body"),
    [
        ("POST /api/tickets", "hello world"),
        ("POST /api/tickets", ["hello", "world"]),
        ("POST /api/tickets", 42),
        ("POST /api/tickets", None),
        ("POST /api/tickets/batch", {"items": ["hello", "world"]}),
        ("PATCH /api/tickets/{ref}", "renamed"),
    ],
)
def test_a_body_that_is_not_an_object_is_a_422_and_creates_nothing(api, world, ticket, operation, body):
    method, path = operation.split()
    url = path.format(ref=ticket.reference)
    data = json.dumps(body)

    response = api.client.generic(
        method, url, data, content_type="application/json", headers=api.headers(world.administrator)
    )

    _error(response, 422)
    assert list(Ticket.objects.values_list("title", flat=True)) == ["Imprimante"]


def test_nan_or_infinity_are_not_json_numbers(api, world):
    response = api.client.post(
        "/api/tickets", '{"title": "x", "impact": NaN}', content_type="application/json",
        headers=api.headers(world.requester_a),
    )  # fmt: skip

    _error(response, 400)


def test_a_text_beyond_the_limit_is_a_422_naming_the_limit(api, world, ticket):
    limit = settings.ESCALADE_TEXT_MAX_CHARS
    body = {"body": "x" * (limit + 1)}

    response = api.post(f"/api/tickets/{ticket.reference}/followups", world.agent_a, body)

    error = _error(response, 422)
    assert error["field"] == "body"
    assert f"{limit:,}".replace(",", "") in error["message"].replace("\u202f", "").replace(" ", "").replace(
        ",", ""
    )
    assert not FollowUp.objects.exists()


def test_too_many_tags_are_a_422_naming_the_limit(api, world, ticket):
    response = api.patch(
        f"/api/tickets/{ticket.reference}", world.agent_a, {"tags": [f"t{i}" for i in range(20_000)]}
    )

    error = _error(response, 422)
    assert error["field"] == "tags"
    assert "50" in error["message"]
    assert not ticket.tags.exists()


def test_a_body_beyond_the_api_limit_is_a_json_413_naming_the_limit(api, world):
    limit = settings.ESCALADE_API_BODY_MAX_BYTES
    body = {"title": "x", "description": "y" * limit}

    response = api.post("/api/tickets", world.requester_a, body)

    error = _error(response, 413)
    assert error["code"] == "too_large"
    assert str(limit // 1024) in error["message"]
    assert not Ticket.objects.exists()


def test_an_unknown_api_path_is_a_json_404(api, world):
    assert _error(api.get("/api/nothing-here", world.agent_a), 404)["code"] == "not_found"


def test_a_server_error_in_the_api_is_a_json_500_and_is_logged(api, world, caplog):
    client = Client(raise_request_exception=False)
    with mock.patch("escalade.api.tickets.queries.ticket_list", side_effect=RuntimeError("boom")):
        response = client.get("/api/tickets", headers=api.headers(world.agent_a))

    assert _error(response, 500)["code"] == "server_error"
    assert "boom" not in response.content.decode()


def test_the_schema_states_the_constraints_the_api_enforces(api, world):
    schema = api.get("/api/schema", world.agent_a).json()["components"]["schemas"]

    title = schema["TicketCreateIn"]["properties"]["title"]
    assert (title["minLength"], title["maxLength"]) == (1, 200)
    assert schema["FollowUpCreateIn"]["properties"]["body"]["maxLength"] == settings.ESCALADE_TEXT_MAX_CHARS
    assert schema["TicketCreateIn"]["properties"]["tags"]["maxItems"] == 50
    start = schema["WorkingIntervalSchema"]["properties"]["start"]
    assert (start["type"], start["pattern"]) == ("string", r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
    update_title = schema["TicketUpdateIn"]["properties"]["title"]
    assert update_title["type"] == "string"
    assert "default" not in update_title  # leaving it out keeps the title; null is refused


@pytest.mark.parametrize(
    "url",
    [
        f"/desk/?organisation={HUGE}",
        f"/desk/?category={HUGE}",
        f"/desk/?assignee={HUGE}",
        f"/desk/?priority={HUGE}",
        "/desk/?level=²",
        f"/desk/?before={HUGE}",
        f"/desk/?sort=due&before=none~{HUGE}",
        f"/desk/?view={HUGE}",
        f"/desk/call/?caller={HUGE}",
        f"/portal/?before={HUGE}",
        "/portal/?before=²",
        f"/portal/new/fields/?category={HUGE}",
    ],
)
def test_integers_beyond_64_bits_in_page_filters_are_not_a_500(client, world, ticket, url):
    client.force_login(world.agent_a if url.startswith("/desk/") else world.requester_a)

    response = client.get(url)

    assert response.status_code in {200, 404}
