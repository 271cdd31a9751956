"""Issue 19's day, in a real browser, in French and in English, at 1440 and 390 pixels.

An L1 agent starts on the desk, sees the late ticket's breached clock, takes a call (the caller of a
client whose contract has ended brings the out-of-contract warning), logs a call from the requester,
takes the ticket and escalates it; the L2 agent replies and resolves; the supervisor lands on the
dashboard, finds the resolved ticket by the requester's name; the requester reads the portal in their
words and confirms; the client manager sees their organisation's tickets. Each page is checked on a
phone too (no sideways scrolling, the menu folds, the queue is cards, the actions are reachable), and
screenshots of every step are kept in ``ESCALADE_SCREENSHOT_DIR`` (``test-artifacts/screenshots/``).

One function per role and step: the other parts of issue 19 add theirs to ``test_the_day``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from escalade.accounts.models import User
from escalade.sla.services import sla_sweep
from escalade.tickets.models import Ticket
from tests.accounts.factories import UserFactory
from tests.browser.conftest import DESKTOP, PHONE, chromium_or_skip, keep_screenshot, overflow, sign_in
from tests.orgs.factories import OrganisationFactory
from tests.tickets.factories import ContractFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "late": re.compile(r"late by \d+ d \d+ h"), "first_response": "first response",
        "escalation": "Needs level 2 access", "reply": "We are re-deploying your VPN profile.",
        "solution": "VPN profile re-deployed.", "solved_for_requester": "Solved: please confirm",
        "closed": "Closed", "assigned": "Assignee: none →",
        "out_of_contract": "This request is outside the contract",
        "date": re.compile(r"Opened \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}"),
        "names": ("Oliver Smith", "Amelia Clarke", "Harry Baker"),
    },
    "fr": {
        "late": re.compile(r"en retard de \d+ j \d+ h"), "first_response": "première réponse",
        "escalation": "Nécessite un accès niveau 2", "reply": "Nous redéployons votre profil VPN.",
        "solution": "Profil VPN redéployé.", "solved_for_requester": "Résolue : merci de confirmer",
        "closed": "Clos", "assigned": "Assigné à : aucun →",
        "out_of_contract": "Cette demande est hors contrat",
        "date": re.compile(r"Ouvert le \d{2}/\d{2}/\d{4} \d{2}:\d{2}"),
        "names": ("Camille Lefèvre", "Hélène Marchand", "Étienne Rousseau"),
    },
}  # fmt: skip


@dataclass
class Day:
    """The people of the day, the pages they have open, and what the day has produced so far."""

    base: str
    language: str
    people: dict[str, User]
    late: Ticket
    pages: dict[str, object]
    shots: list[str] = field(default_factory=list)
    reference: str = ""

    @property
    def words(self) -> dict[str, object]:
        return WORDS[self.language]

    def text(self, key: str) -> str:
        return str(self.words[key])


@pytest.fixture
def day(request, world, levels, make_ticket, language) -> Day:
    """Client A's requester (named in the language), its manager, agents at L1 and L2, the supervisor;
    a ticket of six days ago whose first response is breached; and client C, served by the same L1
    team, whose contract ended last month."""
    names: tuple[str, str, str] = WORDS[language]["names"]  # type: ignore[assignment]
    requester_name, manager_name, ended_name = names
    User.objects.filter(pk=world.requester_a.pk).update(full_name=requester_name, phone="+33 4 72 00 12 34")
    User.objects.filter(pk=world.manager_a.pk).update(full_name=manager_name)
    today = timezone.localdate()
    client_c = OrganisationFactory.create(name="Client C", slug="client-c")
    world.agent_a.teams.get().organisations.add(client_c)
    ContractFactory.create(
        organisation=client_c, starts_on=today - dt.timedelta(days=400), ends_on=today - dt.timedelta(days=30)
    )
    ended = UserFactory.create(email="ended@c.example", organisation=client_c, full_name=ended_name)
    late = make_ticket(title="Imprimante du hall", moment=timezone.now() - dt.timedelta(days=6))
    sla_sweep()
    people = {
        "l1": world.agent_a, "l2": levels["l2_agent"], "supervisor": world.supervisor,
        "manager": world.manager_a, "requester": world.requester_a, "ended": ended,
    }  # fmt: skip
    for person in people.values():
        person.refresh_from_db()
    base = request.getfixturevalue("live_server").url
    return Day(base=base, language=language, people=people, late=late, pages=request.getfixturevalue("pages"))


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_day(browser, day):
    chromium_or_skip()
    l1 = _l1_starts_on_the_desk(browser, day)
    _l1_sees_the_breached_clock(l1, day)
    _l1_is_warned_of_a_caller_out_of_contract(l1, day)
    _l1_logs_a_call_and_qualifies(l1, day)
    _l1_escalates(l1, day)
    l2 = _l2_replies_and_resolves(browser, day)
    supervisor = _supervisor_lands_on_the_dashboard(browser, day)
    _supervisor_finds_the_resolved_ticket_by_requester_name(supervisor, day)
    requester = _requester_reads_the_portal_in_their_words(browser, day)
    _requester_confirms(requester, day)
    _client_manager_sees_the_organisation(browser, day)
    assert {l1, l2, supervisor, requester} <= set(day.pages.values())
    assert len(day.shots) >= 20


# --- Each page on a phone too -------------------------------------------------------------------


def _both_widths(page: Page, day: Day, name: str) -> None:
    """Keep a screenshot at 1440, then at 390 x 844: the page fits the phone's width (no sideways
    scrolling) and the main navigation folds behind the menu button; back to 1440."""
    stem = f"{day.language}/{len(day.shots) // 2 + 1:02d}-{name}"
    assert overflow(page) == 0, f"{name} at 1440"
    day.shots.append(str(keep_screenshot(page, f"{stem}-1440")))
    page.set_viewport_size(PHONE)
    try:
        assert overflow(page) == 0, f"{name} at 390: {_widest(page)}"
        toggle = page.locator(".nav-toggle")
        if toggle.count():
            expect(toggle).to_be_visible()
            expect(page.locator("#main-nav")).to_be_hidden()
        day.shots.append(str(keep_screenshot(page, f"{stem}-390")))
    finally:
        page.set_viewport_size(DESKTOP)


def _widest(page: Page) -> list[str]:
    """The elements that stick out on the right (for the failure message)."""
    return page.evaluate(  # type: ignore[no-any-return]
        """() => [...document.querySelectorAll('body *')]
             .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1)
             .slice(0, 5)
             .map(e => e.tagName + '.' + e.className + ' ' + (e.textContent || '').slice(0, 30))"""
    )


def _on_a_phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


# --- L1 ------------------------------------------------------------------------------------------


def _l1_starts_on_the_desk(browser: Browser, day: Day) -> Page:
    desk = day.pages["l1"] = sign_in(browser, day.base, day.people["l1"], language=day.language)
    expect(desk).to_have_url(f"{day.base}/desk/")  # an agent lands on their queues
    _both_widths(desk, day, "l1-lands-on-the-desk")
    return desk


def _l1_sees_the_breached_clock(desk: Page, day: Day) -> None:
    """The late ticket was never answered: its row shows the first response's breach, in days ("j")."""
    desk.goto(f"{day.base}/desk/?queue=breached")
    row = desk.locator("tr.ticket-row", has_text=day.late.reference)
    expect(row.locator(".badge.sla-late")).to_have_text(day.words["late"])  # type: ignore[arg-type]
    expect(row).to_contain_text(day.text("first_response"))
    _both_widths(desk, day, "l1-breached-queue")
    _on_a_phone(desk)
    try:  # the queue is a list of cards: no column headers, each row a block of its own
        expect(desk.locator("table.queue thead")).to_be_hidden()
        assert row.evaluate("row => getComputedStyle(row).display") == "flex"
        desk.click(".nav-toggle")  # the menu opens on demand
        expect(desk.locator("#main-nav")).to_be_visible()
        desk.click(".nav-toggle")
        expect(desk.locator("#main-nav")).to_be_hidden()
    finally:
        desk.set_viewport_size(DESKTOP)


def _l1_is_warned_of_a_caller_out_of_contract(desk: Page, day: Day) -> None:
    desk.goto(f"{day.base}/desk/call/")
    _find_the_caller(desk, day.people["ended"])
    expect(desk.locator("#out-of-contract-notice")).to_contain_text(day.text("out_of_contract"))
    _both_widths(desk, day, "l1-call-out-of-contract")


def _find_the_caller(desk: Page, caller: User) -> None:
    desk.locator("#caller-q").press_sequentially(caller.full_name[:6], delay=20)
    desk.locator("a.caller-link", has_text=caller.full_name).first.click()
    expect(desk.locator("#caller-title")).to_have_text(caller.full_name)


def _l1_logs_a_call_and_qualifies(desk: Page, day: Day) -> None:
    """A new phone ticket, qualified on the call form (impact and urgency), then taken."""
    desk.goto(f"{day.base}/desk/call/")
    _find_the_caller(desk, day.people["requester"])
    desk.fill("#id_title", "VPN")
    desk.fill("#id_description", "The VPN client hangs on connecting.")
    desk.select_option("#id_impact", "2")
    desk.select_option("#id_urgency", "2")
    duration = desk.locator("#id_duration")
    duration.fill("3:10")  # the first input stops the call timer writing into the field: it may have
    duration.fill("3:10")  # written between fill's select and its typing, so once more, then check
    expect(duration).to_have_value("3:10")
    desk.locator("form.call-form button[type=submit]").click()
    expect(desk).to_have_url(re.compile(r"/desk/t/ESC-\d{4}-\d{6}/$"))
    day.reference = desk.url.rstrip("/").rsplit("/", 1)[-1]
    desk.wait_for_load_state()
    desk.keyboard.press("t")
    expect(desk.locator("#ticket-assignee")).to_have_text(day.people["l1"].full_name)


def _l1_escalates(desk: Page, day: Day) -> None:
    """The timeline says what happened in words, with people's names, never their e-mail addresses."""
    desk.keyboard.press("e")
    expect(desk.locator("#id_escalate-reason")).to_be_focused()
    desk.keyboard.type(day.text("escalation"))
    desk.keyboard.press("Control+Enter")
    timeline = desk.locator("#timeline")
    expect(timeline).to_contain_text(day.text("escalation"))
    expect(timeline).to_contain_text(f"{day.text('assigned')} {day.people['l1'].full_name}")
    expect(timeline).not_to_contain_text(day.people["l1"].email)
    assert Ticket.objects.get(reference=day.reference).support_level == 2
    _both_widths(desk, day, "l1-escalated")
    _on_a_phone(desk)
    try:  # the ticket's actions are within reach on the phone
        for panel in ("#action-reply", "#action-resolve", "#action-escalate"):
            desk.locator(f"{panel} summary").scroll_into_view_if_needed()
            expect(desk.locator(f"{panel} summary")).to_be_in_viewport()
    finally:
        desk.set_viewport_size(DESKTOP)


# --- L2 ------------------------------------------------------------------------------------------


def _l2_replies_and_resolves(browser: Browser, day: Day) -> Page:
    desk = day.pages["l2"] = sign_in(browser, day.base, day.people["l2"], language=day.language)
    expect(desk).to_have_url(f"{day.base}/desk/")
    desk.goto(f"{day.base}/desk/t/{day.reference}/")
    desk.keyboard.press("t")
    expect(desk.locator("#ticket-assignee")).to_have_text(day.people["l2"].full_name)
    desk.keyboard.press("r")
    expect(desk.locator("#reply-body")).to_be_focused()
    desk.keyboard.type(day.text("reply"))
    desk.keyboard.press("Control+Enter")
    expect(desk.locator("#timeline")).to_contain_text(day.text("reply"))
    desk.keyboard.press("s")
    desk.select_option("#id_resolve-resolution_code", "solved")
    desk.fill("#id_resolve-solution", day.text("solution"))
    desk.locator("#id_resolve-solution").press("Control+Enter")
    expect(desk.locator("#ticket-state")).to_have_class(re.compile("state-resolved"))
    _both_widths(desk, day, "l2-resolved")
    return desk


# --- Supervisor ----------------------------------------------------------------------------------


def _supervisor_lands_on_the_dashboard(browser: Browser, day: Day) -> Page:
    desk = day.pages["supervisor"] = sign_in(
        browser, day.base, day.people["supervisor"], language=day.language
    )
    expect(desk).to_have_url(f"{day.base}/desk/reports/dashboard/")  # not an empty "My tickets"
    expect(desk.locator("#dashboard-counters")).to_be_visible()
    _both_widths(desk, day, "supervisor-dashboard")
    desk.goto(f"{day.base}/desk/?queue=breached")
    expect(
        desk.locator("tr.ticket-row", has_text=day.late.reference).locator(".badge.sla-late")
    ).to_have_text(
        day.words["late"]  # type: ignore[arg-type]
    )
    _both_widths(desk, day, "supervisor-breached-queue")
    return desk


def _supervisor_finds_the_resolved_ticket_by_requester_name(desk: Page, day: Day) -> None:
    desk.goto(f"{day.base}/help/search?q={day.people['requester'].full_name.split()[-1]}")
    expect(desk.locator("main")).to_contain_text(day.reference)
    _both_widths(desk, day, "supervisor-search")


# --- Requester and client manager ----------------------------------------------------------------


def _requester_reads_the_portal_in_their_words(browser: Browser, day: Day) -> Page:
    portal = day.pages["requester"] = sign_in(
        browser, day.base, day.people["requester"], language=day.language
    )
    expect(portal).to_have_url(f"{day.base}/portal/")
    expect(portal.locator("#portal-tickets")).to_contain_text(day.text("solved_for_requester"))
    _both_widths(portal, day, "requester-portal")
    portal.goto(f"{day.base}/portal/t/{day.reference}/")
    expect(portal.locator("#ticket-state")).to_have_text(day.text("solved_for_requester"))
    expect(portal.locator(".ticket-facts")).to_contain_text(day.words["date"])  # type: ignore[arg-type]
    expect(portal.locator("#timeline")).to_contain_text(day.text("reply"))
    expect(portal.locator("main")).not_to_contain_text(day.text("escalation"))  # the desk's own words
    _both_widths(portal, day, "requester-ticket")
    return portal


def _requester_confirms(portal: Page, day: Day) -> None:
    _on_a_phone(portal)
    try:  # on the phone, as requesters do
        portal.click("#confirm-resolution")
        expect(portal.locator("#ticket-state")).to_have_text(day.text("closed"))
    finally:
        portal.set_viewport_size(DESKTOP)
    assert Ticket.objects.get(reference=day.reference).state == "closed"


def _client_manager_sees_the_organisation(browser: Browser, day: Day) -> None:
    portal = day.pages["manager"] = sign_in(browser, day.base, day.people["manager"], language=day.language)
    expect(portal).to_have_url(f"{day.base}/portal/")
    row = portal.locator("#portal-tickets li", has_text=day.reference)
    expect(row).to_contain_text(day.people["requester"].full_name)  # whose request it is
    expect(row).to_contain_text(day.text("closed"))
    _both_widths(portal, day, "client-manager-portal")
