"""Alerts leave by mail through the outbox path; contract dates are announced once each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings

from escalade.contracts.models import ContractAlert
from escalade.core.actors import Actor
from escalade.mail.models import OutboundMail
from escalade.mail.outbound import outbound_send
from escalade.notifications.models import Notification, NotificationKind
from escalade.timetracking.credits import contract_dates_notify
from escalade.timetracking.services import time_entry_create

pytestmark = pytest.mark.django_db


@override_settings(ESCALADE_CREDIT_THRESHOLDS=[50])
def test_the_threshold_mail_is_composed_in_the_recipients_language(world, ticket, activities, package):
    world.manager_a.language = "fr"
    world.manager_a.save()
    time_entry_create(
        actor=Actor.of(world.agent_a), ticket=ticket, activity=activities["remote"], minutes=1200,
        worked_on=dt.date(2026, 11, 24),
    )  # fmt: skip
    sent = outbound_send(mail_id=OutboundMail.objects.get(to="manager@a.example", kind="credit_threshold").pk)
    assert sent.state == "sent"
    [message] = mail.outbox
    assert message.subject == "Crédit d'heures : 50 % consommés (Client A)"
    assert "Consommé : 20.00 h sur 40.00 h" in message.body


@override_settings(ESCALADE_CONTRACT_NOTICE_DAYS=30)
def test_contract_end_and_renewal_are_announced_once_each(world, contract):
    contract.ends_on = dt.date(2026, 12, 20)
    contract.renews_on = dt.date(2026, 12, 1)
    contract.save()
    assert (
        contract_dates_notify(today=dt.date(2026, 11, 10)) == 1
    )  # the renewal only: the end is 40 days away
    assert contract_dates_notify(today=dt.date(2026, 11, 25)) == 1  # now the end; the renewal was told
    assert contract_dates_notify(today=dt.date(2026, 11, 26)) == 0
    assert sorted(ContractAlert.objects.values_list("kind", "key")) == [
        ("ending", "2026-12-20"), ("renewal", "2026-12-01"),
    ]  # fmt: skip
    alerts = Notification.objects.filter(kind=NotificationKind.CONTRACT)
    assert sorted(alerts.values_list("recipient__email", flat=True)) == sorted(
        ["manager@a.example", "supervisor@provider.example"] * 2
    )
    assert OutboundMail.objects.filter(kind="contract_date").count() == 4


def test_the_periodic_job_runs_once_per_tick(world, contract):
    from escalade.timetracking.tasks import contract_dates

    assert contract_dates.run_once() is True
    assert contract_dates.run_once() is False
