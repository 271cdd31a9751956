"""The requester portal: access by role, the whole flow, what requesters never see, pinned queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.tickets import services
from escalade.tickets.models import Ticket
from tests.tickets.factories import CategoryFactory, CategoryFieldFactory

pytestmark = pytest.mark.django_db

CLIENTS = {"requester_a", "manager_a", "requester_b"}
ROLES = ["requester_a", "manager_a", "requester_b", "agent_a", "agent_b", "supervisor", "administrator"]


@pytest.fixture
def ticket(make_ticket):
    return make_ticket(title="Imprimante bloquée")


@pytest.mark.parametrize("role", ROLES)
def test_portal_pages_by_role(client, world, ticket, role):
    client.force_login(world.person(role))
    expected_ticket = {"requester_a": 200, "manager_a": 200, "requester_b": 404}.get(role, 403)

    assert client.get("/portal/").status_code == (200 if role in CLIENTS else 403)
    assert client.get("/portal/new/").status_code == (200 if role in CLIENTS else 403)
    assert client.get("/portal/new/fields/?category=").status_code == (200 if role in CLIENTS else 403)
    assert client.get(f"/portal/t/{ticket.reference}/").status_code == expected_ticket


def test_anonymous_visitors_are_sent_to_sign_in(client, world, ticket):
    for path in ["/portal/", "/portal/new/", f"/portal/t/{ticket.reference}/"]:
        assert client.get(path)["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("role", ["requester_b", "agent_a", "supervisor", "anonymous"])
def test_denied_posts_change_nothing(client, world, ticket, role):
    if role != "anonymous":
        client.force_login(world.person(role))
    before = (ticket.followups.count(), Event.objects.count(), Ticket.objects.count())
    reference = ticket.reference

    statuses = {
        client.post(f"/portal/t/{reference}/reply/", {"body": "x"}).status_code,
        client.post(f"/portal/t/{reference}/confirm/").status_code,
        client.post(f"/portal/t/{reference}/reopen/", {"reason": "x"}).status_code,
    }
    if role != "requester_b":  # a requester may open tickets of their own
        statuses.add(
            client.post("/portal/new/", {"title": "x", "description": "x", "urgency": "2"}).status_code
        )

    expected = {"requester_b": 404, "anonymous": 302}.get(role, 403)
    assert statuses == {expected}
    assert (ticket.followups.count(), Event.objects.count(), Ticket.objects.count()) == before


def test_a_requester_asks_follows_replies_confirms(client, world, levels):
    category = CategoryFactory.create()
    CategoryFieldFactory.create(category=category, key="asset_tag", label_en="Asset tag", is_required=True)
    client.force_login(world.requester_a)

    missing = client.post("/portal/new/", {"title": "PC HS", "description": "Écran noir", "urgency": "2",
                                          "category": category.pk})  # fmt: skip
    assert missing.status_code == 422
    assert 'role="alert"' in missing.content.decode()
    response = client.post(
        "/portal/new/",
        {"title": "PC HS", "description": "Écran noir", "urgency": "2", "category": category.pk,
         "cf_asset_tag": "PC-42", "attachments": SimpleUploadedFile("photo.txt", b"hello")},
    )  # fmt: skip
    created = Ticket.objects.get(title="PC HS")
    assert response["Location"] == f"/portal/t/{created.reference}/"
    assert (created.channel, created.custom_fields, created.attachments.count()) == (
        "portal",
        {"asset_tag": "PC-42"},
        1,
    )

    agent = Actor.of(world.agent_a)
    services.ticket_add_note(actor=agent, ticket=created, body="SECRET internal note")
    services.ticket_reply(actor=agent, ticket=created, body="Pouvez-vous redémarrer ?")
    page = client.get(f"/portal/t/{created.reference}/").content.decode()
    assert "Pouvez-vous redémarrer" in page
    assert "SECRET" not in page

    client.post(f"/portal/t/{created.reference}/reply/", {"body": "Toujours noir"})
    services.ticket_resolve(actor=agent, ticket=created, resolution_code="solved", solution="Câble remplacé")
    assert "Câble remplacé" in client.get(f"/portal/t/{created.reference}/").content.decode()
    client.post(f"/portal/t/{created.reference}/confirm/")
    created.refresh_from_db()
    assert created.state == "closed"

    client.post(f"/portal/t/{created.reference}/reopen/", {"reason": "Encore"})
    created.refresh_from_db()
    assert created.state in {"new", "in_progress"}


def test_a_client_manager_sees_the_organisation_tickets(client, world, make_ticket):
    make_ticket(requester=world.requester_a, title="De A")
    make_ticket(requester=world.requester_a2, title="De A2")
    client.force_login(world.manager_a)

    page = client.get("/portal/").content.decode()

    assert "De A" in page
    assert "De A2" in page


def test_my_tickets_query_count_is_pinned(client, world, make_ticket, django_assert_num_queries):
    for index in range(30):
        make_ticket(title=f"Demande {index}")
    client.force_login(world.requester_a)

    with django_assert_num_queries(3):
        response = client.get("/portal/")

    assert response.status_code == 200
    assert "Older tickets" in response.content.decode() or "Tickets plus anciens" in response.content.decode()


def test_ticket_page_query_count_is_pinned(client, world, ticket, django_assert_num_queries):
    agent = Actor.of(world.agent_a)
    for index in range(5):
        services.ticket_reply(actor=agent, ticket=ticket, body=f"Réponse {index}")
    client.force_login(world.requester_a)

    with django_assert_num_queries(6):
        response = client.get(f"/portal/t/{ticket.reference}/")

    assert response.status_code == 200
