"""The ticket page's forms come when their panel opens: what the agent types meanwhile is not lost."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, Route, expect

from escalade.tickets.models import Ticket
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import chromium_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser: Browser, pages, live_server, world) -> Page:
    """Agent A, signed in."""
    chromium_or_skip()
    page = pages["agent"] = browser.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", world.agent_a.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def test_what_is_typed_while_the_form_loads_goes_into_it(desk, live_server, levels, make_ticket):
    ticket = make_ticket(title="VPN down")
    held: list[Route] = []
    desk.route(f"**/desk/t/{ticket.reference}/escalate/", lambda route: _hold_get(route, held))
    desk.goto(f"{live_server.url}/desk/t/{ticket.reference}/")

    desk.keyboard.press("e")
    desk.keyboard.type("Needs level 2")
    desk.keyboard.press("Control+Enter")
    _until_held(desk, held)
    expect(desk.locator("#id_escalate-reason")).to_have_count(0)  # the form has not come yet
    held[0].continue_()

    expect(desk.locator("#timeline")).to_contain_text("Needs level 2")
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert (ticket.support_level, ticket.team) == (2, levels["l2"])


def _hold_get(route: Route, held: list[Route]) -> None:
    """Keep the form's GET waiting; let the POST through."""
    if route.request.method == "GET":
        held.append(route)
    else:
        route.continue_()


def _until_held(page: Page, held: list[Route]) -> None:
    for _attempt in range(250):
        if held:
            return
        page.wait_for_timeout(20)
    pytest.fail("the form was never asked for")
