"""Notifications reach people through their chosen channel, once per event, in their own language."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.mail.models import OutboundMail
from escalade.notifications.models import Channel, Notification, NotificationKind, NotificationPreference
from escalade.notifications.selectors import BELL_CAP, bell_label, notification_text, unread_count
from escalade.notifications.services import Notice, history, notify_many, preferences_save
from escalade.sla.models import SlaPolicy
from escalade.tickets.services import ticket_add_note, ticket_assign, ticket_take
from escalade.tickets.services._common import record

pytestmark = pytest.mark.django_db

SWEEP = Actor.system("sla-sweep")


def assign_to_agent(world, make_ticket):
    ticket = make_ticket()
    team = world.agent_a.teams.get()
    return ticket_assign(actor=Actor.of(world.supervisor), ticket=ticket, team=team, assignee=world.agent_a)


def news_of(person, kind):
    return list(Notification.objects.filter(recipient=person, kind=kind))


def mails_of(person, kind):
    return list(OutboundMail.objects.filter(recipient=person, kind=kind))


def test_assignment_reaches_the_agent_in_the_app_and_by_mail_by_default(world, make_ticket):
    ticket = assign_to_agent(world, make_ticket)

    [news] = news_of(world.agent_a, NotificationKind.ASSIGNED)
    assert (news.ticket, news.event.action, news.read_at, news.digest_due) == (
        ticket,
        "ticket.assigned",
        None,
        False,
    )
    [mail] = mails_of(world.agent_a, "assigned")
    assert mail.event_id == news.event_id


@pytest.mark.parametrize(
    ("channel", "expected"),
    [
        ("in_app", (1, 0, [False])),
        ("digest", (1, 0, [True])),
        ("off", (0, 0, [])),
        ("email", (1, 1, [False])),
    ],
)
def test_the_agents_choice_of_channel_decides(world, make_ticket, channel, expected):
    preferences_save(user=world.agent_a, channels={NotificationKind.ASSIGNED: channel})

    assign_to_agent(world, make_ticket)

    news = news_of(world.agent_a, NotificationKind.ASSIGNED)
    mailed = len(mails_of(world.agent_a, "assigned"))
    assert (len(news), mailed, [row.digest_due for row in news]) == expected


def test_a_choice_equal_to_the_default_is_not_stored(world):
    preferences_save(
        user=world.agent_a,
        channels={NotificationKind.ASSIGNED: Channel.EMAIL, NotificationKind.SLA_WARNING: Channel.OFF,
                  NotificationKind.WEBHOOK_DISABLED: Channel.EMAIL},  # not an agent's kind: ignored
    )  # fmt: skip
    stored = NotificationPreference.objects.filter(user=world.agent_a).values_list("kind", "channel")
    assert list(stored) == [(NotificationKind.SLA_WARNING, Channel.OFF)]


def test_one_event_reaches_one_person_once_and_the_database_refuses_a_second(world, make_ticket):
    ticket = assign_to_agent(world, make_ticket)
    [news] = news_of(world.agent_a, NotificationKind.ASSIGNED)
    notice = Notice(recipients=[world.agent_a, world.agent_a], kind=NotificationKind.ASSIGNED, ticket=ticket,
                    event=news.event, mail_kind="assigned")  # fmt: skip

    with pytest.raises(IntegrityError), transaction.atomic():
        notify_many(notices=[notice])

    assert len(news_of(world.agent_a, NotificationKind.ASSIGNED)) == 1
    assert len(mails_of(world.agent_a, "assigned")) == 1


def test_the_l1_agent_gets_one_sla_breach_alert_per_late_ticket(world, make_ticket):
    ticket = make_ticket()
    ticket = ticket_take(actor=Actor.of(world.agent_a), ticket=ticket)
    preferences_save(user=world.supervisor, channels={NotificationKind.SLA_BREACH: Channel.EMAIL})

    for target in ("first_response", "resolution"):  # the sweep finds both missed, minutes apart
        with transaction.atomic():
            record(actor=SWEEP, ticket=ticket, action="ticket.sla_breached", data={"target": target})

    assert len(news_of(world.agent_a, NotificationKind.SLA_BREACH)) == 1
    assert len(mails_of(world.agent_a, "sla_breached")) == 1
    assert len(mails_of(world.supervisor, "sla_breached")) == 1


def test_supervisors_are_not_told_of_a_breach_when_the_policy_says_not(world, make_ticket):
    ticket = make_ticket()
    SlaPolicy.objects.filter(pk=ticket.sla_policy_id).update(notify_supervisor_on_breach=False)
    ticket.refresh_from_db()

    record(actor=SWEEP, ticket=ticket, action="ticket.sla_breached", data={"target": "resolution"})

    assert news_of(world.supervisor, NotificationKind.SLA_BREACH) == []
    assert news_of(world.agent_a, NotificationKind.SLA_BREACH) != []  # the team whose queue it is in


def test_a_requester_never_hears_of_an_internal_note(world, make_ticket):
    ticket = ticket_take(actor=Actor.of(world.agent_a), ticket=make_ticket())
    before = Notification.objects.filter(recipient=world.requester_a).count()

    ticket_add_note(actor=Actor.of(world.agent_a), ticket=ticket, body="Le client est pénible")
    note = Event.objects.get(object_id=ticket.pk, action="ticket.note_added")
    notify_many(  # even if a caller names them
        notices=[Notice(recipients=[world.requester_a, world.agent_b], kind=NotificationKind.AGENT_REPLY,
                        ticket=ticket, event=note)]
    )  # fmt: skip

    assert Notification.objects.filter(recipient=world.requester_a).count() == before
    assert news_of(world.agent_b, NotificationKind.AGENT_REPLY) != []


def test_the_words_are_chosen_at_display_in_the_readers_language(world, make_ticket):
    ticket = assign_to_agent(world, make_ticket)
    [news] = news_of(world.agent_a, NotificationKind.ASSIGNED)

    with translation.override("fr"):
        french = notification_text(news)
    with translation.override("en"):
        english = notification_text(news)

    assert french == f"{ticket.reference} vous est assigné : Imprimante bloquée"
    assert english == f"{ticket.reference} assigned to you: Imprimante bloquée"


def test_past_activity_is_recorded_under_the_bell_and_never_mailed(world, make_ticket):
    preferences_save(user=world.agent_a, channels={NotificationKind.ASSIGNED: Channel.DIGEST})
    with history():
        assign_to_agent(world, make_ticket)

    [news] = news_of(world.agent_a, NotificationKind.ASSIGNED)
    assert news.digest_due is False
    assert OutboundMail.objects.count() == 0  # not even the requester's acknowledgement


def test_the_bell_counts_up_to_nine_then_says_nine_plus(world, django_assert_num_queries):
    notices = [Notice(recipients=[world.agent_a], kind=NotificationKind.AUTOMATION, ticket=None, text=f"n{i}")
               for i in range(BELL_CAP + 3)]  # fmt: skip
    notify_many(notices=notices)

    with django_assert_num_queries(1):
        count = unread_count(world.agent_a)

    assert (count, bell_label(count), bell_label(3), bell_label(0)) == (BELL_CAP + 1, "9+", "3", "")
    assert unread_count(world.agent_b) == 0
