"""Finding things from the desk: the search covers resolved and closed tickets and requester names
(the state filter decides, all by default); each role lands where its work is."""

from __future__ import annotations

import pytest

from escalade.core.actors import Actor
from escalade.tickets.services import ticket_close, ticket_resolve

pytestmark = pytest.mark.django_db


def _closed(world, make_ticket):
    ticket = make_ticket(title="Imprimante du 3e étage")
    agent = Actor.of(world.agent_a)
    ticket = ticket_resolve(actor=agent, ticket=ticket, resolution_code="solved", solution="Ok")
    return ticket_close(actor=Actor.of(world.requester_a), ticket=ticket)


def test_the_search_finds_closed_tickets_by_requester_name_unless_filtered(
    client, world, make_ticket, django_capture_on_commit_callbacks
):
    world.requester_a.full_name = "Jeanne Dupuis"
    world.requester_a.save(update_fields=["full_name"])
    with django_capture_on_commit_callbacks(execute=True):
        closed = _closed(world, make_ticket)
        open_ticket = make_ticket(title="Écran noir")
    client.force_login(world.agent_a)
    surname = "Dupuis"

    everything = client.get("/help/search", {"q": surname}).content.decode()
    only_closed = client.get("/help/search", {"q": surname, "state": "closed"}).content.decode()
    only_new = client.get("/help/search", {"q": surname, "state": "new"}).content.decode()

    assert closed.reference in everything
    assert open_ticket.reference in everything
    assert closed.reference in only_closed
    assert open_ticket.reference not in only_closed
    assert closed.reference not in only_new


def test_the_state_filter_is_a_list_whose_default_is_all(client, world):
    client.force_login(world.agent_a)
    page = client.get("/help/search").content.decode()
    assert '<select name="state"' in page
    assert '<option value="" selected>' in page


def test_the_queue_search_box_leads_to_the_search_of_all_tickets(client, world):
    client.force_login(world.agent_a)
    page = client.get("/desk/", {"q": "Dupuis"}).content.decode()
    assert 'href="/help/search?q=Dupuis&amp;type=ticket"' in page


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        ("supervisor", "/desk/reports/dashboard/"),
        ("administrator", "/desk/reports/dashboard/"),
        ("agent_a", "/desk/"),
        ("requester_a", "/portal/"),
        ("manager_a", "/portal/"),
    ],
)
def test_each_role_lands_where_its_work_is(client, world, role, landing):
    client.force_login(world.person(role))
    assert client.get("/").headers["Location"] == landing
