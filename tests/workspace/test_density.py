"""Issue 19, layout: the denser queue is each person's choice on each browser (a cookie), shows more
rows per page, and only the provider's staff may switch it."""

from __future__ import annotations

import pytest

from escalade.workspace import selectors
from escalade.workspace.views import DENSITY_COOKIE
from tests.test_authz import ROLES

pytestmark = pytest.mark.django_db

STAFF = {"agent_a", "agent_b", "supervisor", "administrator"}


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_switch_the_queue_density(client, world, role):
    client.force_login(world.person(role))

    response = client.post("/desk/density/", {"density": "compact", "next": "/desk/?queue=team"})

    if role in STAFF:
        assert (response.status_code, response["Location"]) == (302, "/desk/?queue=team")
        assert response.cookies[DENSITY_COOKIE].value == "compact"
        assert response.cookies[DENSITY_COOKIE]["samesite"] == "Lax"
    else:
        assert response.status_code == 403
        assert DENSITY_COOKIE not in response.cookies


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.post("/desk/density/", {"density": "compact"})

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert DENSITY_COOKIE not in response.cookies


def test_an_unknown_density_or_a_foreign_address_is_ignored(client, world):
    client.force_login(world.agent_a)

    response = client.post("/desk/density/", {"density": "tiny", "next": "https://elsewhere.example/"})

    assert (response.status_code, response["Location"]) == (302, "/desk/")
    assert DENSITY_COOKIE not in response.cookies


def test_compact_rows_show_more_tickets_per_page(client, world, make_ticket, monkeypatch):
    assert selectors.COMPACT_PAGE_SIZE == 2 * selectors.PAGE_SIZE
    monkeypatch.setattr(selectors, "PAGE_SIZE", 2)
    monkeypatch.setattr(selectors, "COMPACT_PAGE_SIZE", 4)
    for number in range(5):
        make_ticket(title=f"Poste {number}")
    client.force_login(world.agent_a)

    roomy = client.get("/desk/", {"queue": "team"}).content.decode()
    client.cookies[DENSITY_COOKIE] = "compact"
    compact = client.get("/desk/", {"queue": "team"}).content.decode()

    assert (roomy.count('class="ticket-row'), compact.count('class="ticket-row')) == (2, 4)
    assert "density-compact" in compact
    assert "density-compact" not in roomy
