"""The daily digest: at the person's hour in their time zone, in their language, once a day."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from escalade.mail.models import OutboundMail
from escalade.notifications.digest import digests_send_due
from escalade.notifications.models import Channel, DigestRun, Notification, NotificationKind
from escalade.notifications.services import Notice, notify_many, preferences_save

pytestmark = pytest.mark.django_db
PARIS, LONDON = ZoneInfo("Europe/Paris"), ZoneInfo("Europe/London")


def digest_news(world, make_ticket):
    ticket = make_ticket()
    for person in (world.supervisor, world.agent_b):
        preferences_save(user=person, channels={NotificationKind.ESCALATED: Channel.DIGEST})
    world.agent_b.language, world.agent_b.time_zone = "en", "Europe/London"
    world.agent_b.save()
    notify_many(notices=[Notice(recipients=[world.supervisor, world.agent_b], kind=NotificationKind.ESCALATED,
                                ticket=ticket)])  # fmt: skip
    return ticket


@override_settings(ESCALADE_DIGEST_HOUR=7)
def test_each_person_gets_one_digest_at_their_hour_in_their_language(world, make_ticket):
    ticket = digest_news(world, make_ticket)
    assert OutboundMail.objects.filter(kind="digest").count() == 0

    # 07:30 in Paris is 06:30 in London: the Parisian's digest only.
    assert digests_send_due(now=dt.datetime(2026, 11, 25, 7, 30, tzinfo=PARIS)) == 1
    assert digests_send_due(now=dt.datetime(2026, 11, 25, 7, 40, tzinfo=PARIS)) == 0
    assert digests_send_due(now=dt.datetime(2026, 11, 25, 7, 0, tzinfo=LONDON)) == 1

    french = OutboundMail.objects.get(kind="digest", recipient=world.supervisor)
    english = OutboundMail.objects.get(kind="digest", recipient=world.agent_b)
    assert french.subject == "[Escalade] Votre résumé du jour : 1 notification"
    assert f"{ticket.reference} escaladé à votre équipe" in french.body
    assert english.subject == "[Escalade] Your daily digest: 1 notification"
    assert f"{ticket.reference} escalated to your team" in english.body
    assert not Notification.objects.filter(digest_due=True).exists()


@override_settings(ESCALADE_DIGEST_HOUR=7)
def test_a_second_worker_or_later_news_the_same_day_sends_no_second_digest(world, make_ticket):
    ticket = digest_news(world, make_ticket)
    morning = dt.datetime(2026, 11, 25, 8, 0, tzinfo=PARIS)
    assert digests_send_due(now=morning) == 2
    notify_many(
        notices=[Notice(recipients=[world.supervisor], kind=NotificationKind.ESCALATED, ticket=ticket)]
    )

    assert digests_send_due(now=morning + dt.timedelta(hours=3)) == 0  # tomorrow's digest
    assert digests_send_due(now=morning + dt.timedelta(days=1)) == 1
    assert OutboundMail.objects.filter(kind="digest", recipient=world.supervisor).count() == 2
    assert DigestRun.objects.filter(recipient=world.supervisor).count() == 2


def test_nobody_without_waiting_news_gets_a_digest(world):
    assert digests_send_due(now=dt.datetime(2026, 11, 25, 12, 0, tzinfo=PARIS)) == 0
    assert not DigestRun.objects.exists()


@override_settings(ESCALADE_DIGEST_HOUR=7)
def test_a_digest_another_worker_claimed_is_not_sent_again(world, make_ticket):
    digest_news(world, make_ticket)
    DigestRun.objects.create(recipient=world.supervisor, day=dt.date(2026, 11, 25))  # the other worker

    assert digests_send_due(now=dt.datetime(2026, 11, 25, 8, 0, tzinfo=PARIS)) == 1  # agent B's only

    assert not OutboundMail.objects.filter(kind="digest", recipient=world.supervisor).exists()
