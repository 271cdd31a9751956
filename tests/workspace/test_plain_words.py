"""Issue 19, words and formats: the desk and the portal speak the reader's language in plain words
(people's names, state names, "j" for jours), show the deadline that is actually at stake, and keep
dates whatever the language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from escalade.core.actors import Actor
from escalade.tickets import services
from escalade.tickets.choices import State
from escalade.workspace.templatetags.desk import countdown, sla_clock

pytestmark = pytest.mark.django_db


def _timeline(page: str) -> str:
    return page[page.index('id="timeline"') : page.index("</ol>", page.index('id="timeline"'))]


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["State: Assigned → In progress", "Assignee: none →"]),
        ("fr", ["État : Attribué → En cours", "Assigné à : aucun →"]),
    ],
)
def test_the_timeline_says_what_changed_in_words_with_names(client, world, make_ticket, language, words):
    ticket = make_ticket(title="Écran noir")
    agent = Actor.of(world.agent_a)
    services.ticket_take(actor=agent, ticket=ticket)
    services.ticket_transition(actor=agent, ticket=ticket, state=State.IN_PROGRESS)
    world.supervisor.language = language
    world.supervisor.save()
    client.force_login(world.supervisor)

    timeline = _timeline(client.get(f"/desk/t/{ticket.reference}/").content.decode())

    for line in words:
        assert line in timeline
    assert world.agent_a.full_name in timeline
    assert world.agent_a.email not in timeline  # a person, not an address
    assert "in_progress" not in timeline
    assert "assigned →" not in timeline


@pytest.mark.parametrize(
    ("language", "wording"),
    [("en", "Waiting for your answer"), ("fr", "En attente de votre réponse")],
)
def test_the_portal_shows_states_in_the_requesters_words(client, world, make_ticket, language, wording):
    ticket = make_ticket()
    agent = Actor.of(world.agent_a)
    services.ticket_take(actor=agent, ticket=ticket)
    services.ticket_transition(actor=agent, ticket=ticket, state=State.PENDING_REQUESTER, reason="Photo ?")
    world.requester_a.language = language
    world.requester_a.save()
    client.force_login(world.requester_a)

    page = client.get(f"/portal/t/{ticket.reference}/").content.decode()
    listing = client.get("/portal/").content.decode()

    assert wording in page
    assert wording in listing
    assert "Waiting for requester" not in page + listing


def test_french_durations_say_j_for_jours(at):
    now = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
    due = now + dt.timedelta(days=4, hours=14, minutes=5)
    with at(now), translation.override("fr"):
        assert countdown(due) == "reste 4 j 14 h"
        assert countdown(now + dt.timedelta(hours=2, minutes=5)) == "reste 2 h 05 min"
    with at(now), translation.override("en"):
        assert countdown(due) == "4 d 14 h left"


def test_an_unanswered_ticket_shows_its_first_response_deadline_not_its_resolution(world, make_ticket):
    ticket = make_ticket()
    assert ticket.first_response_due is not None
    assert ticket.resolution_due is not None
    assert ticket.first_response_due < ticket.resolution_due

    assert sla_clock(ticket) == {"due": ticket.first_response_due, "first_response": True, "at_risk": False}
    services.ticket_reply(actor=Actor.of(world.agent_a), ticket=ticket, body="Nous regardons.")
    ticket.refresh_from_db()
    assert sla_clock(ticket) == {"due": ticket.resolution_due, "first_response": False, "at_risk": False}


def test_the_overdue_queue_shows_the_breached_first_response(client, world, make_ticket, at):
    ticket = make_ticket()
    late = ticket.first_response_due + dt.timedelta(hours=1)
    world.agent_a.language = "en"
    world.agent_a.save()
    client.force_login(world.agent_a)
    with at(late):
        row = client.get("/desk/", {"queue": "team"}).content.decode()
    cell = row[row.index(ticket.reference) :]
    cell = cell[: cell.index("</tr>")]
    assert re.search(
        r'class="badge sla-late">late by 1 h 0\d min</time><br><small>first response</small>', cell
    ), cell


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "6 Dec 2026, 14:05"), ("fr", "06/12/2026 14:05")],
)
def test_dates_read_the_same_on_both_sides_of_the_channel(language, expected):
    moment = dt.datetime(2026, 12, 6, 14, 5, tzinfo=dt.UTC)
    with translation.override(language), timezone.override(dt.UTC):
        rendered = Template('{{ moment|date:"SHORT_DATETIME_FORMAT" }}').render(Context({"moment": moment}))
    assert rendered == expected
