"""SLA alerts by e-mail (issue 19): the person working on a late ticket (else its team) and the
supervisors, once per ticket and kind, not one mail per missed deadline."""

from __future__ import annotations

from collections import Counter

import pytest

from escalade.core.actors import Actor
from escalade.mail.models import OutboundMail
from escalade.notifications.models import Notification
from escalade.sla.selectors import working_calendar_forget
from escalade.sla.services import sla_sweep
from escalade.tickets.services import ticket_assign, ticket_create
from tests.accounts.factories import StaffFactory, TeamMembershipFactory
from tests.sla.factories import default_policy, frozen_at, paris

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_calendars() -> None:
    working_calendar_forget()


@pytest.fixture
def colleague(world):
    """A second agent of team L1 A."""
    person = StaffFactory.create(email="colleague@provider.example")
    TeamMembershipFactory.create(team=world.agent_a.teams.get(), user=person)
    return person


def _late_ticket(world):
    """A P3 ticket of Monday 09:00 nobody answered: by Wednesday 17:30 both deadlines are missed."""
    default_policy()
    with frozen_at(paris(2, 9)):
        return ticket_create(
            actor=Actor.of(world.requester_a), requester=world.requester_a, title="VPN", impact=2, urgency=2
        )


def _breach_mails(ticket) -> Counter[str]:
    mails = OutboundMail.objects.filter(ticket=ticket, kind="sla_breached")
    return Counter(mails.values_list("to", flat=True))


def _in_digest(person, ticket) -> bool:
    return Notification.objects.filter(recipient=person, ticket=ticket, digest_due=True).exists()


def test_both_deadlines_missed_at_once_make_one_breach_mail_per_person(world, colleague):
    ticket = _late_ticket(world)

    with frozen_at(paris(4, 17, 30)):
        sla_sweep(now=paris(4, 17, 30))

    ticket.refresh_from_db()
    assert ticket.first_response_breached_at is not None
    assert ticket.resolution_breached_at is not None
    assert _breach_mails(ticket) == Counter({world.agent_a.email: 1, colleague.email: 1})
    # The supervisor hears of it in the app and in tomorrow's digest, not by a mail per ticket (ADR 0024).
    assert _in_digest(world.supervisor, ticket)


def test_an_assigned_late_ticket_alerts_its_assignee_not_the_whole_team(world, colleague):
    ticket = _late_ticket(world)
    with frozen_at(paris(2, 9, 5)):
        ticket_assign(actor=Actor.of(world.agent_a), ticket=ticket, assignee=world.agent_a)

    with frozen_at(paris(4, 17, 30)):
        sla_sweep(now=paris(4, 17, 30))

    assert _breach_mails(ticket) == Counter({world.agent_a.email: 1})
    assert _in_digest(world.supervisor, ticket)


def test_a_later_breach_of_the_same_ticket_alerts_again(world):
    ticket = _late_ticket(world)
    with frozen_at(paris(2, 14, 30)):
        sla_sweep(now=paris(2, 14, 30))  # the first response is missed on Monday afternoon
    with frozen_at(paris(4, 17, 30)):
        sla_sweep(now=paris(4, 17, 30))  # the resolution, two days later: news worth a mail

    assert _breach_mails(ticket)[world.agent_a.email] == 2


def test_the_demo_mail_backend_writes_one_line_per_message(caplog):
    from django.core.mail import EmailMessage
    from django.utils.module_loading import import_string

    from escalade.config import email_settings

    backend = import_string(str(email_settings("log:")["BACKEND"]))(alias="default")
    body = "a long body\n" * 50
    message = EmailMessage("[ESC-2026-000019] SLA dépassé", body, to=["agent@provider.example"])
    with caplog.at_level("INFO", logger="escalade.mail.sent"):
        sent = backend.send_messages([message])

    assert sent == 1
    assert caplog.messages == ["mail to agent@provider.example: [ESC-2026-000019] SLA dépassé"]
