"""Issue 19, layout: a dark theme that follows the system, badges that stay readable (WCAG AA) in both
themes, no axe-core violation on the desk and the portal, and a desk that uses a 1440-pixel screen,
with compact rows for who wants more of them. (The phone is walked in test_day.py.)"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.tickets import services
from escalade.tickets.choices import Priority, State
from escalade.tickets.models import Ticket
from tests.browser.conftest import (
    axe_violations,
    chromium_or_skip,
    contrast,
    keep_screenshot,
    luminance,
    sign_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AA = 4.5
# Every badge the templates can print: priorities, states, SLA clocks, support levels, notes, warnings.
BADGES = [
    *(f"p{priority}" for priority in Priority.values),
    *(f"state-{state}" for state in State.values),
    "sla-late", "sla-at-risk", "sla-paused", "level-1", "level-2", "level-3", "warn", "note", "",
]  # fmt: skip


class DeskDay(NamedTuple):
    agent: User
    requester: User
    tickets: list[Ticket]


@pytest.fixture
def desk_day(world, make_ticket) -> DeskDay:
    """Agent A's morning: a ticket of every priority, one late, one being worked on."""
    agent = Actor.of(world.agent_a)
    tickets = [
        make_ticket(title=f"Poste {priority}", priority=priority, priority_reason="Tri du matin")
        for priority in Priority.values
    ]
    tickets.append(make_ticket(title="Imprimante du hall", moment=timezone.now() - dt.timedelta(days=6)))
    services.ticket_take(actor=agent, ticket=tickets[1])
    services.ticket_transition(actor=agent, ticket=tickets[1], state=State.IN_PROGRESS)
    return DeskDay(agent=world.agent_a, requester=world.requester_a, tickets=tickets)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_theme_follows_the_system_and_every_badge_reaches_aa(
    browser, pages, live_server, desk_day, theme
):
    chromium_or_skip()
    desk = pages["agent"] = sign_in(
        browser, live_server.url, desk_day.agent, language="en", color_scheme=theme
    )
    desk.goto(f"{live_server.url}/desk/?queue=team")
    expect(desk.locator("tr.ticket-row")).to_have_count(len(desk_day.tickets))

    page_colours = desk.evaluate(
        "[getComputedStyle(document.body).backgroundColor, getComputedStyle(document.body).color]"
    )
    background, ink = page_colours
    if theme == "dark":  # the page itself turns dark, not only a few widgets
        assert luminance(background) < 0.05, page_colours
    else:
        assert luminance(background) > 0.8, page_colours
    assert contrast(ink, background) >= AA, page_colours

    keep_screenshot(desk, f"themes/{theme}-queue-1440")
    _every_badge_reaches_aa(desk)
    _axe_finds_nothing(desk, f"{live_server.url}/desk/t/{desk_day.tickets[1].reference}/")
    _axe_finds_nothing(desk, f"{live_server.url}/desk/call/?caller={desk_day.requester.pk}")
    portal = pages["requester"] = sign_in(
        browser, live_server.url, desk_day.requester, language="fr", color_scheme=theme
    )
    _axe_finds_nothing(portal, f"{live_server.url}/portal/")
    _axe_finds_nothing(portal, f"{live_server.url}/portal/t/{desk_day.tickets[0].reference}/")


def _every_badge_reaches_aa(page: Page) -> None:
    """Every badge variant the style sheets define, and every one the templates print, measured from
    the computed colours (a variant missing from the style sheets fails too: it would fall back to grey)."""
    defined = page.evaluate(
        """() => {
             const all = rules => [...rules]
               .flatMap(rule => [rule, ...(rule.cssRules ? all(rule.cssRules) : [])]);
             return [...document.styleSheets].flatMap(sheet => all(sheet.cssRules))
               .flatMap(rule => (rule.selectorText || '').match(/\\.badge\\.[\\w-]+/g) || [])
               .map(selector => selector.slice('.badge.'.length));
           }"""
    )
    assert set(BADGES) - {""} <= set(defined), set(BADGES) - set(defined)
    measured = page.evaluate(
        """(variants) => variants.map(variant => {
             const badge = document.createElement('span');
             badge.className = ('badge ' + variant).trim();
             badge.textContent = 'P2';
             document.querySelector('main .card').append(badge);
             const style = getComputedStyle(badge);
             return [variant, style.color, style.backgroundColor];
           })""",
        sorted(set(BADGES) | set(defined)),
    )
    low = {variant: round(contrast(ink, background), 2) for variant, ink, background in measured
           if contrast(ink, background) < AA}  # fmt: skip
    assert low == {}, measured
    on_page = page.evaluate(
        """() => [...document.querySelectorAll('.badge')].map(badge =>
             [badge.className, getComputedStyle(badge).color, getComputedStyle(badge).backgroundColor])"""
    )
    assert {row[0] for row in on_page} >= {
        "badge p1",
        "badge p2",
        "badge sla-late",
        "badge state-in_progress",
    }
    assert [row for row in on_page if contrast(row[1], row[2]) < AA] == []


def _axe_finds_nothing(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")  # the panels that come by htmx are checked too
    assert axe_violations(page) == [], url


def test_the_desk_uses_a_wide_screen_and_compact_rows_are_remembered(browser, pages, live_server, desk_day):
    chromium_or_skip()
    desk = pages["agent"] = sign_in(browser, live_server.url, desk_day.agent, language="en")
    desk.goto(f"{live_server.url}/desk/?queue=team")
    rows = desk.locator("tr.ticket-row")
    expect(rows).to_have_count(len(desk_day.tickets))

    main = desk.locator("main").bounding_box()
    side = desk.locator(".desk-side").bounding_box()
    filters = desk.locator("#queue-filters").bounding_box()
    table = desk.locator("table.queue").bounding_box()
    assert main
    assert side
    assert filters
    assert table
    assert main["width"] >= 1400  # no empty sides
    assert side["width"] <= 260  # the queues' column stays narrow
    assert filters["height"] <= 160  # the filters take two lines at most, above the list
    assert table["width"] >= 1100  # the list has the rest of the width

    roomy = rows.first.bounding_box()
    desk.click("#density-toggle")
    expect(desk.locator("#queue-section")).to_have_class("card wide desk-main density-compact")
    compact = rows.first.bounding_box()
    assert roomy
    assert compact
    assert compact["height"] < roomy["height"] * 0.75  # one line per ticket

    later = desk.context.new_page()  # the choice is remembered (a cookie) for the next visit
    later.goto(f"{live_server.url}/desk/?queue=team")
    expect(later.locator("#queue-section")).to_have_class("card wide desk-main density-compact")
    later.click("#density-toggle")
    expect(later.locator("#queue-section")).to_have_class("card wide desk-main")
