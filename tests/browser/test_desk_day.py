"""An agent's day at the desk (issue 19), each step a check that would have caught what went wrong:
escalating to a chosen level and handing back with a reason, the call screen in another time zone (timer,
assignee, out-of-contract warning), the internal-note shortcut, the KB panel's search box, the macro
preview, and a level-1 agent's change to a published article waiting for review."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Browser, Page, expect

from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.kb import services as kb
from escalade.kb.models import Article
from escalade.tickets.models import FollowUp, Ticket
from escalade.workspace.models import Macro
from tests.accounts.factories import PASSWORD
from tests.browser.conftest import chromium_or_skip
from tests.tickets.factories import ContractFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(browser: Browser, base: str, user: User, *, timezone_id: str | None = None) -> Page:
    chromium_or_skip()
    User.objects.filter(pk=user.pk).update(language="en")
    context = browser.new_context(
        locale="en", timezone_id=timezone_id, viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", user.email)
    page.fill("#id_password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    return page


def test_escalate_straight_to_level_3_then_hand_back_with_a_reason(  # noqa: PLR0917 - fixtures
    browser, pages, live_server, world, levels, make_ticket
):
    ticket = make_ticket(title="Base de données lente")
    desk = pages["l1"] = _sign_in(browser, live_server.url, world.agent_a)
    desk.goto(f"{live_server.url}/desk/t/{ticket.reference}/")
    desk.keyboard.press("e")
    expect(desk.locator("#id_escalate-reason")).to_be_focused()
    desk.keyboard.type("Index corruption suspected")
    desk.select_option("#id_escalate-team", str(levels["l3"].pk))  # not only the next level
    desk.locator("#id_escalate-reason").press("Control+Enter")
    expect(desk.locator("#timeline")).to_contain_text("Index corruption suspected")
    assert Ticket.objects.get(pk=ticket.pk).team == levels["l3"]

    third = pages["l3"] = _sign_in(browser, live_server.url, levels["l3_agent"])
    third.goto(f"{live_server.url}/desk/t/{ticket.reference}/")
    third.keyboard.press("h")
    expect(third.locator("#id_handback-reason")).to_be_focused()
    third.locator("#id_handback-reason").press("Control+Enter")  # no reason: refused at the field
    expect(third.locator("#id_handback-reason-error")).to_be_visible()
    third.fill("#id_handback-reason", "Rebuilt the index; the user must reconnect")
    third.locator("#id_handback-reason").press("Control+Enter")
    line = third.locator("#timeline li.event", has_text="Handed back")
    expect(line).to_contain_text("Rebuilt the index; the user must reconnect")
    expect(line).to_contain_text("Team: L3 A → L1 A")
    expect(line).to_contain_text(levels["l3_agent"].full_name)
    assert Ticket.objects.get(pk=ticket.pk).support_level == 1


def test_the_call_screen_in_another_time_zone(browser, pages, live_server, world, levels):
    """Kiritimati is UTC+14, the server Paris: the timer starts at 0:00, not at 13 hours; the agent
    is the proposed assignee (with level and load in the list); the contract warning is there at once."""
    ContractFactory.create(
        organisation=world.client_a, starts_on=dt.date(2020, 1, 1), ends_on=dt.date(2020, 12, 31)
    )
    desk = pages["agent"] = _sign_in(
        browser, live_server.url, world.agent_a, timezone_id="Pacific/Kiritimati"
    )
    desk.goto(f"{live_server.url}/desk/call/")
    desk.locator("#caller-q").press_sequentially(world.requester_a.full_name[:5], delay=20)
    # Another person's name may share the first letters: pick the caller by name.
    desk.locator("a.caller-link", has_text=world.requester_a.full_name).first.click()
    expect(desk.locator("#caller-title")).to_have_text(world.requester_a.full_name)

    expect(desk.locator("#call-timer")).to_have_text(re.compile(r"^0:0\d$"))
    expect(desk.locator("#id_duration")).to_have_value(re.compile(r"^0:0\d$"))
    expect(desk.locator("#id_assignee")).to_have_value(str(world.agent_a.pk))
    expect(desk.locator("#id_assignee option:checked")).to_have_text(
        re.compile(r"— level 1 · 0 open tickets$")
    )
    expect(desk.locator("#out-of-contract-notice")).to_be_visible()  # before any category is chosen

    desk.fill("#id_title", "Printer jammed")
    desk.check("input[name=out_of_contract_ack]")
    desk.locator("#id_title").press("Control+Enter")
    expect(desk.locator("#ticket-assignee")).to_have_text(world.agent_a.full_name)


def test_the_internal_note_shortcut_puts_the_cursor_in_the_message_box(
    browser, pages, live_server, world, make_ticket
):
    ticket = make_ticket(title="VPN")
    desk = pages["agent"] = _sign_in(browser, live_server.url, world.agent_a)
    desk.goto(f"{live_server.url}/desk/t/{ticket.reference}/")
    desk.keyboard.press("i")
    expect(desk.locator("#id_reply-internal")).to_be_checked()
    expect(desk.locator("#reply-body")).to_be_focused()
    desk.keyboard.type("Checked the firewall logs")
    desk.keyboard.press("Control+Enter")
    expect(desk.locator("#timeline li.note")).to_contain_text("Checked the firewall logs")
    assert FollowUp.objects.get(ticket=ticket).kind == "note"


def test_the_kb_panel_searches_as_the_agent_types(  # noqa: PLR0917 - fixtures
    browser, pages, live_server, world, levels, make_ticket
):
    author = levels["l2_agent"]
    article = kb.article_create(
        actor=Actor.of(author), author=author, title="Bourrage papier", body="Ouvrez le capot."
    )
    kb.article_submit_for_review(actor=Actor.of(author), article=article)
    kb.article_approve(actor=Actor.of(world.supervisor), article=article)
    ticket = make_ticket(title="VPN")
    desk = pages["agent"] = _sign_in(browser, live_server.url, world.agent_a)
    desk.goto(f"{live_server.url}/desk/t/{ticket.reference}/")
    results = desk.locator("#kb-panel-results")
    expect(results).not_to_contain_text("Bourrage papier")  # the suggestions for "VPN"
    desk.locator("#kb-panel-q").press_sequentially("bourrage", delay=20)
    expect(results).to_contain_text("Bourrage papier")
    expect(desk.locator("#kb-panel-q")).to_be_focused()  # the box is not replaced while typing


def test_a_macro_is_previewed_before_it_reaches_the_client(browser, pages, live_server, world, make_ticket):
    ticket = make_ticket(title="VPN")
    macro = Macro.objects.create(
        team=world.agent_a.teams.get(), name="Ack", language="en",
        body="Hello **{{requester_first_name}}**, we are on it ({{reference}}).",
    )  # fmt: skip
    desk = pages["agent"] = _sign_in(browser, live_server.url, world.agent_a)
    desk.goto(f"{live_server.url}/desk/t/{ticket.reference}/")
    desk.keyboard.press("m")
    expect(desk.locator("#id_macro-macro")).to_be_focused()
    desk.select_option("#id_macro-macro", str(macro.pk))
    desk.locator("#id_macro-macro").press("Control+Enter")  # the shortest way: still the preview

    first_name = world.requester_a.get_short_name()
    expect(desk.locator("#macro-rendered strong")).to_have_text(first_name)
    expect(desk.locator("#macro-rendered")).to_contain_text(ticket.reference)
    assert not FollowUp.objects.exists()
    desk.locator("#macro-body").press("Control+Enter")
    expect(desk.locator("#timeline")).to_contain_text(f"Hello {first_name}, we are on it")
    assert FollowUp.objects.get().kind == "reply"


def test_a_level_1_change_to_a_published_article_waits_for_review(browser, pages, live_server, world, levels):
    author = levels["l2_agent"]
    article = kb.article_create(
        actor=Actor.of(author), author=author, title="Imprimante", body="Redémarrez-la."
    )
    kb.article_submit_for_review(actor=Actor.of(author), article=article)
    kb.article_approve(actor=Actor.of(world.supervisor), article=article, review_by=dt.date(2027, 3, 1))
    desk = pages["l1"] = _sign_in(browser, live_server.url, world.agent_a)
    desk.goto(f"{live_server.url}/help/manage/{article.slug}/edit")
    expect(desk.locator("#id_review_by")).to_have_value("2027-03-01")
    desk.fill("#id_body", "Éteignez-la 30 secondes.")
    desk.locator("form[enctype] button[type=submit]").click()
    expect(desk.locator("main")).to_contain_text("sent for review")
    desk.goto(f"{live_server.url}/help/a/{article.slug}/")
    expect(desk.locator("main")).to_contain_text("Redémarrez-la.")  # still the published text

    second = pages["l2"] = _sign_in(browser, live_server.url, author)
    second.goto(f"{live_server.url}/help/manage/review")
    second.get_by_role("button", name="Publish this change").click()
    second.goto(f"{live_server.url}/help/a/{article.slug}/")
    expect(second.locator("main")).to_contain_text("Éteignez-la 30 secondes.")
    assert Article.objects.get(pk=article.pk).review_by == dt.date(2027, 3, 1)
