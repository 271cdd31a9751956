"""The two front doors in a real browser, in English then in French.

A requester opens a ticket in the portal; an L1 agent picks it up from the keyboard, logs a phone call
from the same person, applies a macro and escalates to L2 with a reason; the L2 agent resolves it; the
requester confirms the resolution.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from escalade.accounts.models import User
from escalade.tickets.models import Ticket
from escalade.workspace.models import Macro, PhoneCall
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import chromium_or_skip

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "en": {"macro": "Hello {{requester_name}}, we are on it ({{reference}}).",
           "reason": "Needs level 2 access", "sign_out": "Sign out"},
    "fr": {"macro": "Bonjour {{requester_name}}, nous nous en occupons ({{reference}}).",
           "reason": "Nécessite un accès niveau 2", "sign_out": "Déconnexion"},
}  # fmt: skip


def _sign_in(browser: Browser, base_url: str, user: User, language: str) -> Page:
    context = browser.new_context(locale=language, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("button", name=TEXTS[language]["sign_out"])).to_be_visible()
    return page


@pytest.fixture
def people(world, levels, language):
    """The requester, the L1 and the L2 agents, all speaking ``language``; a macro shared with L1."""
    l1, l2, requester = world.agent_a, levels["l2_agent"], world.requester_a
    User.objects.filter(pk__in=[l1.pk, l2.pk, requester.pk]).update(language=language)
    requester.phone = "+33 4 72 00 12 34"
    requester.save(update_fields=["phone"])
    macro = Macro.objects.create(
        team=l1.teams.get(), name=f"Ack {language}", language=language, body=TEXTS[language]["macro"],
        set_state="in_progress", add_tags=["ack"],
    )  # fmt: skip
    return {"l1": l1, "l2": l2, "requester": requester, "macro": macro, "l2_team": levels["l2"]}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_portal_to_desk_and_back(browser, pages, live_server, people, language):
    chromium_or_skip()
    base = live_server.url
    portal = pages["requester"] = _sign_in(browser, base, people["requester"], language)
    reference = _requester_asks(portal, base)
    desk = pages["l1"] = _sign_in(browser, base, people["l1"], language)
    _l1_takes_and_logs_a_call(desk, base, reference, people)
    _l1_applies_a_macro_and_escalates(desk, reference, people, language)
    second = pages["l2"] = _sign_in(browser, base, people["l2"], language)
    _l2_resolves(second, base, reference, people["l2"])
    _requester_confirms(portal, base, reference)


def _requester_asks(portal: Page, base: str) -> str:
    expect(portal).to_have_url(f"{base}/portal/")
    portal.click("#new-ticket-link")
    portal.fill("#id_title", "VPN down")
    portal.fill("#id_description", "The VPN client **hangs** on connecting.")
    portal.locator("form[enctype] button[type=submit]").click()
    expect(portal).to_have_url(re.compile(r"/portal/t/ESC-\d{4}-\d{6}/$"))
    return portal.url.rstrip("/").rsplit("/", 1)[-1]


def _l1_takes_and_logs_a_call(desk: Page, base: str, reference: str, people: dict[str, Any]) -> None:
    """Team queue (g t), first row (j, o), take (t); new call (n), find the caller as you type."""
    requester = people["requester"]
    expect(desk).to_have_url(f"{base}/desk/")
    desk.keyboard.press("g")
    desk.keyboard.press("t")
    expect(desk).to_have_url(f"{base}/desk/?queue=team")
    expect(desk.locator("tr.ticket-row")).to_have_count(1)
    desk.keyboard.press("j")
    desk.keyboard.press("o")
    expect(desk).to_have_url(f"{base}/desk/t/{reference}/")
    desk.keyboard.press("t")
    expect(desk.locator("#ticket-assignee")).to_have_text(people["l1"].full_name)
    desk.keyboard.press("n")
    expect(desk).to_have_url(f"{base}/desk/call/")
    desk.locator("#caller-q").press_sequentially(requester.full_name[:5], delay=20)
    caller = desk.locator("a.caller-link", has_text=requester.full_name).first
    expect(caller).to_be_visible()
    caller.focus()
    desk.keyboard.press("Enter")
    expect(desk.locator("#caller-title")).to_have_text(requester.full_name)
    desk.select_option("#id_ticket", reference)
    desk.fill("#id_description", "Called back: still down after a reboot.")
    desk.fill("#id_duration", "2:30")
    desk.locator("#id_duration").press("Control+Enter")
    expect(desk).to_have_url(f"{base}/desk/t/{reference}/")
    desk.wait_for_load_state()  # the keyboard shortcuts that follow need the page's scripts
    assert PhoneCall.objects.get().duration_seconds == 150


def _l1_applies_a_macro_and_escalates(
    desk: Page, reference: str, people: dict[str, Any], language: str
) -> None:
    desk.keyboard.press("m")
    expect(desk.locator("#id_macro-macro")).to_be_focused()  # the form comes when the panel opens
    desk.select_option("#id_macro-macro", str(people["macro"].pk))
    desk.locator("#id_macro-macro").press("Control+Enter")
    expect(desk.locator("#macro-rendered")).to_contain_text(people["requester"].full_name)  # the preview
    desk.locator("#macro-body").press("Control+Enter")
    expect(desk.locator("#timeline")).to_contain_text(people["requester"].full_name)
    desk.keyboard.press("e")
    expect(desk.locator("#id_escalate-reason")).to_be_focused()  # typing ahead: tests/browser/test_typing.py
    desk.keyboard.type(TEXTS[language]["reason"])
    desk.keyboard.press("Control+Enter")
    expect(desk.locator("#timeline")).to_contain_text(TEXTS[language]["reason"])
    ticket = Ticket.objects.get(reference=reference)
    assert (ticket.support_level, ticket.team, ticket.channel) == (2, people["l2_team"], "portal")
    assert set(ticket.tags.values_list("name", flat=True)) == {"ack"}


def _l2_resolves(second: Page, base: str, reference: str, l2: User) -> None:
    second.goto(f"{base}/desk/t/{reference}/")
    second.keyboard.press("t")
    expect(second.locator("#ticket-assignee")).to_have_text(l2.full_name)
    second.keyboard.press("s")
    second.select_option("#id_resolve-resolution_code", "solved")
    second.fill("#id_resolve-solution", "VPN profile re-deployed.")
    second.locator("#id_resolve-solution").press("Control+Enter")
    expect(second.locator("#ticket-state")).not_to_have_text(re.compile("^(In progress|En cours)$"))
    assert Ticket.objects.get(reference=reference).state == "resolved"


def _requester_confirms(portal: Page, base: str, reference: str) -> None:
    """The requester sees the solution, never the internal note (the call summary), and confirms."""
    portal.goto(f"{base}/portal/t/{reference}/")
    expect(portal.locator("main")).to_contain_text("VPN profile re-deployed.")
    expect(portal.locator("main")).not_to_contain_text("Called back")
    portal.click("#confirm-resolution")
    expect(portal.locator("#confirm-resolution")).to_have_count(0)
    assert Ticket.objects.get(reference=reference).state == "closed"
