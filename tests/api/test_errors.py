"""Errors are JSON with a stable code, a message and the offending field."""

from __future__ import annotations

import datetime as dt
import json
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from escalade.api.models import ApiToken
from escalade.api.services import api_token_create, api_token_revoke
from escalade.core.actors import Actor
from escalade.sla.models import SlaPolicy
from escalade.tickets.choices import FieldType
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create
from tests.tickets.factories import CategoryFactory, CategoryFieldFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ticket(world):
    return Ticket.objects.get(pk=_create(world).pk)


def _create(world):
    return ticket_create(actor=Actor.of(world.requester_a), requester=world.requester_a, title="Imprimante")


def _get(client, path, authorization=None):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    return client.get(path, **headers)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer not-a-key", "Token {key}", "Basic {key}", "Bearer {key}x"],
    ids=["no header", "empty", "unknown key", "other scheme", "basic", "wrong key"],
)
def test_without_a_valid_token_the_answer_is_401(client, world, authorization):
    _token, key = api_token_create(actor=Actor.system("t"), user=world.agent_a, name="ci")

    response = _get(client, "/api/tickets", authorization and authorization.format(key=key))

    assert response.status_code == 401
    assert response.json() == {
        "code": "unauthenticated",
        "message": "Envoyez un jeton d'API valide : Authorization: Bearer <clé>.",  # French is the default
        "field": None,
    }
    assert response["WWW-Authenticate"] == 'Bearer realm="escalade"'


def test_a_revoked_token_or_an_inactive_person_gets_401(client, world):
    token, key = api_token_create(actor=Actor.system("t"), user=world.agent_a, name="ci")
    _other, other_key = api_token_create(actor=Actor.system("t"), user=world.agent_b, name="ci")
    assert _get(client, "/api/me", f"Bearer {key}").status_code == 200

    api_token_revoke(actor=Actor.of(world.administrator), token=token)
    world.agent_b.is_active = False
    world.agent_b.save()

    assert _get(client, "/api/me", f"Bearer {key}").status_code == 401
    assert _get(client, "/api/me", f"Bearer {other_key}").status_code == 401


def test_a_token_is_stored_as_a_hash_and_stamped_at_most_once_a_minute(client, world):
    token, key = api_token_create(actor=Actor.system("t"), user=world.agent_a, name="ci")
    assert token.key_prefix == key[:8]
    assert key not in {token.key_hash, token.name}
    start = timezone.now()

    for seconds in (0, 30, 61):
        with mock.patch("django.utils.timezone.now", return_value=start + dt.timedelta(seconds=seconds)):
            _get(client, "/api/me", f"Bearer {key}")
            token.refresh_from_db()
        stamped = {0: 0, 30: 0, 61: 61}[seconds]
        assert token.last_used_at == start + dt.timedelta(seconds=stamped)
    assert _get(client, "/api/me", f"Bearer {key}").json()["email"] == world.agent_a.email


def test_an_invisible_ticket_is_404_exactly_like_a_missing_one(api, world, ticket):
    hidden = api.get(f"/api/tickets/{ticket.reference}", world.requester_b)
    missing = api.get("/api/tickets/ESC-1999-999999", world.requester_b)

    assert hidden.status_code == missing.status_code == 404
    assert (
        hidden.json() == missing.json() == {"code": "not_found", "message": "No such ticket.", "field": None}
    )


def test_an_action_on_a_visible_ticket_without_the_right_is_403(api, world, ticket):
    response = api.post(f"/api/tickets/{ticket.reference}/escalate", world.requester_a, {"reason": "Vite"})

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert set(response.json()) == {"code", "message", "field"}


def test_an_unknown_state_is_422_naming_the_field(api, world, ticket):
    response = api.post(f"/api/tickets/{ticket.reference}/transition", world.agent_a, {"state": "lost"})

    assert response.status_code == 422
    body = response.json()
    assert (body["code"], body["field"]) == ("validation_failed", "state")
    assert body["errors"][0]["field"] == "state"
    assert body["message"].startswith("Vérifiez la saisie :")  # agent A works in French


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"resolution_code": "solved"}, "solution"),
        ({"resolution_code": "solved", "solution": "  "}, "solution"),
        ({"resolution_code": "magic", "solution": "x"}, "resolution_code"),
    ],
    ids=["missing solution", "blank solution (service)", "unknown code"],
)
def test_resolving_without_a_solution_is_422_naming_the_field(api, world, ticket, payload, field):
    response = api.post(f"/api/tickets/{ticket.reference}/resolve", world.agent_a, payload)

    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("validation_failed", field)
    ticket.refresh_from_db()
    assert ticket.state == "new"


@pytest.mark.parametrize(
    ("custom_fields", "field"),
    [
        ({"seats": "many"}, "custom_fields.seats"),
        ({"colour": "red"}, "custom_fields.colour"),
        ({}, "custom_fields.seats"),
    ],
    ids=["wrong type", "unknown field", "required field missing"],
)
def test_a_bad_custom_field_is_422_naming_it(api, world, custom_fields, field):
    category = CategoryFactory.create()
    CategoryFieldFactory.create(category=category, key="seats", field_type=FieldType.NUMBER, is_required=True)

    response = api.post(
        "/api/tickets",
        world.requester_a,
        {"title": "Licences", "category_id": category.pk, "custom_fields": custom_fields},
    )

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert not Ticket.objects.exists()


def test_a_body_reference_to_an_invisible_object_is_422_naming_the_field(api, world, ticket):
    other = _create(world)
    foreign = world.requester_b

    link = api.post(
        f"/api/tickets/{ticket.reference}/links",
        world.agent_b,
        {"target_reference": other.reference, "kind": "related_to"},
    )
    on_behalf = api.post("/api/tickets", world.agent_a, {"title": "Pour B", "requester_id": foreign.pk})

    assert link.status_code == 404  # the source ticket itself is invisible to agent B
    assert (on_behalf.status_code, on_behalf.json()["field"]) == (422, "requester_id")


def test_an_invalid_transition_is_409_conflict(api, world, ticket):
    response = api.post(
        f"/api/tickets/{ticket.reference}/transition", world.agent_a, {"state": "pending_requester"}
    )

    assert response.status_code == 409
    assert response.json() == {
        "code": "conflict",
        "message": "Un ticket ne peut pas passer de « Nouveau » à « En attente du demandeur ».",
        "field": "state",
    }


def test_closing_an_open_ticket_is_409(api, world, ticket):
    response = api.post(f"/api/tickets/{ticket.reference}/close", world.requester_a)

    assert (response.status_code, response.json()["code"]) == (409, "conflict")


def test_unreadable_json_is_400(api, world):
    response = api.client.post(
        "/api/tickets", "{not json", content_type="application/json", headers=api.headers(world.requester_a)
    )

    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 101}, "limit"),
        ({"cursor": "%%%"}, "cursor"),
        ({"state": "lost"}, "state.0"),
        ({"sort": "title"}, "sort"),
    ],
)
def test_bad_list_parameters_are_422(api, world, params, field):
    response = api.get("/api/tickets", world.agent_a, **params)

    assert response.status_code == 422
    assert response.json()["field"] == field


def test_a_cursor_of_another_sort_is_refused(api, world):
    for _ in range(3):
        _create(world)
    cursor = api.get("/api/tickets", world.agent_a, limit=1).json()["next_cursor"]

    response = api.get("/api/tickets", world.agent_a, limit=1, sort="resolution_due", cursor=cursor)

    assert (response.status_code, response.json()["field"]) == (422, "cursor")


def test_admin_writes_report_the_field(api, world):
    response = api.post("/api/organisations", world.administrator, {"name": "Client A"})
    calendar = api.post(
        "/api/calendars",
        world.administrator,
        {"name": "Nuit", "intervals": [{"weekday": 0, "start": "18:00", "end": "08:00"}]},
    )
    policy = api.post(
        "/api/sla-policies",
        world.administrator,
        {"name": "Bis", "calendar_id": 999_999, "targets": []},
    )
    default = SlaPolicy.objects.get(is_default=True)
    pausing = api.patch(
        f"/api/sla-policies/{default.pk}", world.administrator, {"pause_states": ["resolved"]}
    )

    assert (response.status_code, response.json()["code"]) == (422, "validation_failed")
    assert (calendar.status_code, calendar.json()["field"]) == (422, "intervals")
    assert (policy.status_code, policy.json()["field"]) == (422, "calendar_id")
    assert (pausing.status_code, pausing.json()["field"]) == (422, "pause_states")
    assert json.loads(response.content)["message"]
    assert ApiToken.objects.filter(user=world.administrator).count() == 1


def test_a_browser_session_is_no_way_in_so_no_csrf_token_is_needed(world):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.requester_a)
    _token, key = api_token_create(actor=Actor.system("t"), user=world.requester_a, name="ci")

    with_session_only = browser.post("/api/tickets", {"title": "x"}, content_type="application/json")
    with_token = browser.post(
        "/api/tickets",
        {"title": "x"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )

    assert with_session_only.status_code == 401
    assert with_token.status_code == 201


def test_fields_are_named_as_the_operation_takes_them(api, world, ticket):
    path = f"/api/tickets/{ticket.reference}"

    assignee = api.patch(path, world.agent_a, {"assignee_id": world.supervisor.pk})
    link = api.post(
        f"{path}/links", world.agent_a, {"target_reference": ticket.reference, "kind": "related_to"}
    )
    merge = api.post(f"{path}/merge", world.agent_a, {"into_reference": ticket.reference})

    assert (assignee.status_code, assignee.json()["field"]) == (422, "assignee_id")  # not in the team
    assert (link.status_code, link.json()["field"]) == (422, "target_reference")
    assert (merge.status_code, merge.json()["field"]) == (422, "into_reference")
