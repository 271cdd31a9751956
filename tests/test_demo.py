"""Demo data: every role is present, in both languages, and loading twice duplicates nothing."""

from __future__ import annotations

from collections import Counter

import pytest

from escalade.accounts.models import Role, Team, User
from escalade.contracts.models import Contract, HourPackage
from escalade.demo import DEMO_PASSWORD, load_demo
from escalade.mail.models import OutboundMail
from escalade.maintenance.models import ExpiringItem, MaintenanceOccurrence, MaintenancePlan
from escalade.notifications.models import Notification
from escalade.orgs.models import Organisation, Site
from escalade.tickets.choices import State
from escalade.tickets.models import Category, Ticket

pytestmark = pytest.mark.django_db


def test_demo_data_is_realistic_and_idempotent():
    context = load_demo()
    load_demo()

    assert Organisation.objects.count() == 3
    assert Organisation.objects.filter(kind="provider").count() == 1
    assert Site.objects.count() == 5
    assert 38 <= User.objects.count() <= 45
    roles = Counter(User.objects.values_list("role", flat=True))
    assert set(roles) == set(Role.values)
    assert roles[Role.CLIENT_MANAGER] == 2
    assert sorted(Team.objects.values_list("support_level", flat=True)) == [1, 2, 3]
    assert set(User.objects.values_list("language", flat=True)) == {"fr", "en"}
    assert len(context.logins) == 8
    for email, _label in context.logins:
        assert User.objects.get(email=email).check_password(DEMO_PASSWORD)
    # Preventive maintenance (ADR 0023): four plans per client, past checks with evidence, one failed
    # with its incident, renewals coming up.
    plans = Counter(MaintenancePlan.objects.values_list("organisation__slug", flat=True))
    assert plans == {"lemoine": 4, "northwind": 4}
    assert MaintenancePlan.objects.filter(name="Vérification des sauvegardes").exists()
    assert MaintenanceOccurrence.objects.filter(state="done", answers__evidence__isnull=False).exists()
    failed = MaintenanceOccurrence.objects.get(state="failed")
    assert failed.incident is not None
    assert ExpiringItem.objects.filter(kind="certificate").count() == 2


def test_demo_tickets_cover_every_state_contracts_and_levels():
    load_demo()
    tickets_before = Ticket.objects.count()
    load_demo()

    assert Ticket.objects.count() == tickets_before >= 20
    assert set(Ticket.objects.values_list("state", flat=True)) == set(State.values)
    # level 0: the self-service actions of the directory demo (ADR 0020)
    assert set(Ticket.objects.values_list("support_level", flat=True)) == {0, 1, 2, 3}
    assert Ticket.objects.filter(is_out_of_contract=True, out_of_contract_reason="category").exists()
    assert Contract.objects.count() == 3
    assert set(Ticket.objects.values_list("sla_policy__name", flat=True)) == {"Standard", "Premium"}
    assert set(Ticket.objects.values_list("channel", flat=True)) >= {"phone", "email", "portal"}
    assert Category.objects.filter(parent__isnull=False).exists()
    assert Ticket.objects.filter(resolution_breached_at__isnull=False).exists()
    package = HourPackage.objects.get(contract__reference="LEM-2026-01")  # 40 hours, near the 90 % alert
    assert (package.credit_minutes, package.consumed_minutes, package.entries.count()) == (2400, 2100, 9)


def test_demo_logins_work_for_each_role(client):
    context = load_demo()

    for email, _label in context.logins:
        response = client.post("/accounts/login/", {"username": email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, email
        client.post("/accounts/logout/")


def test_loading_the_demo_mails_nobody_and_fills_the_bells(mailoutbox):
    load_demo()

    # Past activity is history: nothing to send when the worker starts (issue 19: 244 mails before).
    assert OutboundMail.objects.count() == 0
    assert mailoutbox == []
    assert not Notification.objects.filter(digest_due=True).exists()
    roles_with_news = set(Notification.objects.values_list("recipient__role", flat=True))
    assert {Role.AGENT, Role.SUPERVISOR, Role.REQUESTER} <= roles_with_news
