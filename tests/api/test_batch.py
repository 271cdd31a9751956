"""POST /api/tickets/batch: the answer, the limits, and errors that name the item (nothing written)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from escalade.tickets.models import Ticket
from tests.orgs.factories import SiteFactory
from tests.tickets.conftest import TUESDAY_10H
from tests.tickets.factories import CategoryFactory

pytestmark = pytest.mark.django_db
URL = "/api/tickets/batch"


def test_a_batch_answers_the_created_tickets_in_order(api, world, frozen):
    requester = world.requester_a.pk
    items = [
        {"title": "Écran", "tags": ["Vidéo"], "requester_id": requester},
        {"title": "Clavier", "impact": 1, "urgency": 1, "requester_id": requester},
    ]
    with frozen(TUESDAY_10H):
        response = api.post(URL, world.agent_a, {"items": items})

    assert response.status_code == 201, response.content
    answered = response.json()["items"]
    assert [item["title"] for item in answered] == ["Écran", "Clavier"]
    assert [item["reference"] for item in answered] == ["ESC-2026-000001", "ESC-2026-000002"]
    assert answered[0]["tags"] == ["vidéo"]
    assert answered[1]["priority"] == 1
    assert answered[0]["requester"]["id"] == world.requester_a.pk
    assert answered[0]["followups"] == []
    assert answered[0]["sla"]["policy"] is not None


def test_a_batch_runs_the_same_number_of_queries_whatever_its_size(api, world):
    api.post(URL, world.requester_a, {"items": [{"title": "Chauffe"}]})  # token, caches
    counts = []
    for size in (5, 50):
        with CaptureQueriesContext(connection) as queries:
            response = api.post(URL, world.requester_a, {"items": [{"title": "Alerte"}] * size})
        assert response.status_code == 201
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize(("size", "field"), [(0, "items"), (101, "items")])
def test_empty_or_oversized_batches_are_refused(api, world, size, field):
    response = api.post(URL, world.requester_a, {"items": [{"title": "Alerte"}] * size})

    assert response.status_code == 422
    assert response.json()["field"] == field
    assert ("100" in response.json()["message"]) is (size > 0)
    assert not Ticket.objects.exists()


def test_an_unknown_category_names_the_item_and_writes_nothing(api, world):
    body = {"items": [{"title": "Bon"}, {"title": "Mauvais", "category_id": 999_999}]}

    response = api.post(URL, world.requester_a, body)

    assert response.status_code == 422
    assert response.json()["field"] == "items.1.category_id"
    assert not Ticket.objects.exists()


def test_a_category_of_another_organisation_names_the_item(api, world):
    restricted = CategoryFactory.create()
    restricted.organisations.set([world.client_b])
    body = {"items": [{"title": "Bon"}, {"title": "Mauvais", "category_id": restricted.pk}]}

    response = api.post(URL, world.requester_a, body)

    assert response.status_code == 422
    assert response.json()["field"] == "items.1.category_id"
    assert not Ticket.objects.exists()


def test_a_site_of_another_organisation_names_the_item(api, world):
    site = SiteFactory.create(organisation=world.client_b)
    body = {"items": [{"title": "Bon"}, {"title": "Bon"}, {"title": "Mauvais", "site_id": site.pk}]}

    response = api.post(URL, world.requester_a, body)

    assert response.status_code == 422
    assert response.json()["field"] == "items.2.site_id"
    assert not Ticket.objects.exists()


def test_a_requester_cannot_log_for_someone_else(api, world):
    body = {"items": [{"title": "Bon"}, {"title": "Pour A2", "requester_id": world.requester_a2.pk}]}

    response = api.post(URL, world.requester_a, body)

    assert response.status_code == 403
    assert response.json()["field"] == "items.1.requester_id"
    assert not Ticket.objects.exists()


def test_staff_cannot_log_for_a_person_they_do_not_see(api, world):
    body = {"items": [{"title": "Pour A", "requester_id": world.requester_a.pk}]}

    response = api.post(URL, world.agent_b, body)

    assert response.status_code == 422
    assert response.json()["field"] == "items.0.requester_id"
    assert not Ticket.objects.exists()


def test_anonymous_batches_are_refused(api, world):
    response = api.post(URL, None, {"items": [{"title": "Alerte"}]})

    assert response.status_code == 401
    assert not Ticket.objects.exists()
