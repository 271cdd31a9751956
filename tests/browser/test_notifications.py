"""The bell counts up when something happens to the person and down when they read it, in both languages,
on the desk (an agent) and in the portal (a requester), without reloading the page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.tickets.services import ticket_assign, ticket_reply
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import chromium_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL_SECONDS = 5  # the smallest ESCALADE_BELL_POLL_SECONDS allowed
WAIT_MS = (POLL_SECONDS + 10) * 1000
WORDS = {
    "en": {"assigned": "assigned to you", "replied": "the service desk replied", "all": "Mark all as read"},
    "fr": {"assigned": "vous est assigné", "replied": "le centre de services a répondu",
           "all": "Tout marquer comme lu"},
}  # fmt: skip


def _sign_in(browser: Browser, base: str, user: User, language: str) -> Page:
    context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", language)
    return page


@pytest.fixture
def scene(settings, world, make_ticket, language):
    """A new ticket of requester A; agent A and the requester speak ``language``; the bell polls fast."""
    settings.ESCALADE_BELL_POLL_SECONDS = POLL_SECONDS
    User.objects.filter(pk__in=[world.agent_a.pk, world.requester_a.pk]).update(language=language)
    return {"ticket": make_ticket(), "language": language, "world": world}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_bell_counts_news_and_forgets_it_once_read(browser, pages, live_server, scene):
    chromium_or_skip()
    world, ticket, language = scene["world"], scene["ticket"], scene["language"]
    agent, requester = world.agent_a, world.requester_a
    words, base = WORDS[language], live_server.url
    desk = pages["agent"] = _sign_in(browser, base, agent, language)
    desk.goto(f"{base}/desk/")
    bell = desk.locator("#notification-bell")
    expect(bell).to_be_visible()
    expect(bell.locator(".bell-count")).to_have_count(0)

    # Something happens: the supervisor gives the agent the ticket. The open page's bell counts it.
    ticket_assign(actor=Actor.of(world.supervisor), ticket=ticket, team=agent.teams.get(), assignee=agent)
    expect(bell.locator(".bell-count")).to_have_text("1", timeout=3 * POLL_SECONDS * 1000)

    bell.click()
    expect(desk.locator("li.notification.unread")).to_contain_text(words["assigned"])
    desk.locator("li.notification button.link").first.click()
    expect(desk).to_have_url(re.compile(rf"/desk/t/{ticket.reference}/$"))
    expect(desk.locator("#notification-bell .bell-count")).to_have_count(0)

    # The requester's portal bell counts the agent's reply, and "mark all as read" empties it.
    portal = pages["requester"] = _sign_in(browser, base, requester, language)
    portal.goto(f"{base}/portal/")
    portal_bell = portal.locator("#notification-bell")
    expect(portal_bell.locator(".bell-count")).to_have_text(
        "1", timeout=3 * POLL_SECONDS * 1000
    )  # the acknowledgement of the request
    ticket_reply(actor=Actor.of(agent), ticket=ticket, body="On it.")
    expect(portal_bell.locator(".bell-count")).to_have_text("2", timeout=3 * POLL_SECONDS * 1000)
    portal_bell.click()
    expect(portal.locator("li.notification.unread").first).to_contain_text(words["replied"])
    portal.get_by_role("button", name=words["all"]).click()
    expect(portal.locator("li.notification.unread")).to_have_count(0)
    expect(portal.locator("#notification-bell .bell-count")).to_have_count(0)
