"""Satisfaction surveys: planned at resolution, mailed once after the delay, answered with one click
from a signed link that opens nothing else, changeable for a while, a bad score alerts supervisors."""

from __future__ import annotations

import datetime as dt
import time
from unittest import mock

import pytest
from django.core import signing
from django.test import override_settings
from django.utils import timezone

from escalade.core.actors import Actor
from escalade.mail.models import OutboundMail
from escalade.notifications.models import Notification
from escalade.reports.models import Survey, TicketFact
from escalade.reports.surveys import SALT, survey_token, surveys_send_due
from escalade.sla.selectors import working_calendar_forget
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_create, ticket_resolve
from tests.conftest import World
from tests.sla.factories import frozen_at, paris

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendars() -> None:
    working_calendar_forget()


def resolved(world: World, *, requester=None, channel: str = "portal") -> Ticket:
    requester = requester or world.requester_a
    ticket = ticket_create(
        actor=Actor.of(requester), requester=requester, title="Écran noir", channel=channel
    )
    return ticket_resolve(
        actor=Actor.of(world.supervisor), ticket=ticket, resolution_code="solved", solution="Câble"
    )


def sent(world: World, **kwargs) -> Survey:
    ticket = resolved(world, **kwargs)
    surveys_send_due(now=timezone.now() + dt.timedelta(hours=2))
    return Survey.objects.get(ticket=ticket)


@override_settings(ESCALADE_SURVEY_DELAY_MINUTES=60)
def test_the_survey_is_mailed_once_after_the_delay(world):
    with frozen_at(paris(2, 10)):
        ticket = resolved(world)

    assert surveys_send_due(now=paris(2, 10, 30)) == 0  # the hour is not over
    assert surveys_send_due(now=paris(2, 11, 1)) == 1
    assert surveys_send_due(now=paris(2, 12)) == 0  # never twice

    mails = OutboundMail.objects.filter(ticket=ticket, kind="survey")
    assert [(mail.to, mail.language) for mail in mails] == [("req.a@a.example", world.requester_a.language)]


@override_settings(ESCALADE_SURVEY_CHANNELS=["email"])
def test_channels_left_out_get_no_survey(world):
    ticket = resolved(world, channel="portal")

    assert not Survey.objects.filter(ticket=ticket).exists()


def test_one_click_records_the_score_and_the_rollups_count_it(client, world):
    survey = sent(world)

    response = client.get(f"/survey/{survey_token(ticket_id=survey.ticket_id)}/4/")

    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.score == 4
    assert TicketFact.objects.get(ticket_id=survey.ticket_id).csat_score == 4
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"4/5" in page.content


def test_the_answer_can_change_with_a_comment_but_not_after_the_window(client, world):
    survey = sent(world)
    token = survey_token(ticket_id=survey.ticket_id)
    client.get(f"/survey/{token}/5/")

    client.post(f"/survey/{token}/", {"score": "3", "comment": "Correct, sans plus"})
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (3, "Correct, sans plus")

    Survey.objects.filter(pk=survey.pk).update(answer_until=timezone.now() - dt.timedelta(minutes=1))
    client.post(f"/survey/{token}/", {"score": "1"})
    survey.refresh_from_db()
    assert survey.score == 3


def test_a_bad_score_notifies_the_supervisors_and_offers_to_reopen(client, world):
    survey = sent(world)
    token = survey_token(ticket_id=survey.ticket_id)

    client.get(f"/survey/{token}/1/")
    page = client.get(f"/survey/{token}/")

    notice = Notification.objects.get(kind="bad_survey")
    assert notice.recipient == world.supervisor
    assert b"Reopen my request" in page.content or b"Rouvrir" in page.content
    client.post(f"/survey/{token}/reopen/", {"reason": "Toujours noir"})
    assert Ticket.objects.get(pk=survey.ticket_id).state != "resolved"


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        signing.dumps(1, salt="another.salt"),  # a token signed for something else
    ],
    ids=["forged", "signed-for-something-else"],  # the same ids in every xdist worker
)
def test_a_bad_token_opens_nothing(client, world, token):
    survey = sent(world)

    assert client.get(f"/survey/{token}/").status_code == 404
    assert client.get(f"/survey/{token}/1/").status_code == 404
    survey.refresh_from_db()
    assert survey.score is None


def test_an_expired_link_opens_nothing(client, world):
    survey = sent(world)
    with mock.patch("django.core.signing.time.time", return_value=time.time() - 2 * 86_400):
        token = survey_token(ticket_id=survey.ticket_id)  # made two days ago

    with override_settings(ESCALADE_SURVEY_ANSWER_DAYS=1):
        assert signing.loads(token, salt=SALT) == survey.ticket_id  # well signed, only too old
        response = client.get(f"/survey/{token}/5/")

    assert response.status_code == 404


def test_the_requester_answers_from_the_portal_too(client, world):
    survey = sent(world)
    client.force_login(world.requester_a)

    page = client.get(f"/portal/t/{survey.ticket.reference}/").content.decode()

    assert 'id="portal-survey"' in page
    client.force_login(world.requester_a2)  # a colleague who may see the ticket gets no survey box
    other = client.get(f"/portal/t/{survey.ticket.reference}/")
    assert 'id="portal-survey"' not in other.content.decode()
