"""Sign-in locks: per account whatever the address, per address whatever the account, and the
administrator's unlock."""

from __future__ import annotations

import pytest
from django.test import Client

from escalade.core.models import Event
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(email: str, password: str, ip: str):
    return Client().post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_failures_spread_over_addresses_lock_the_account(world, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(world.requester_a.email, "wrong", ip=f"198.51.100.{attempt + 1}")

    locked = _sign_in(world.requester_a.email, PASSWORD, ip="203.0.113.9")

    assert locked.status_code == 429
    assert "déverrouiller" in locked.content.decode() or "unlock" in locked.content.decode()


def test_a_new_address_gets_no_extra_guess_at_a_locked_account(world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(world.requester_a.email, "wrong", ip="198.51.100.1")

    assert _sign_in(world.requester_a.email, "wrong", ip="203.0.113.9").status_code == 429
    assert _sign_in(world.requester_a.email, PASSWORD, ip="203.0.113.10").status_code == 429


def test_an_unknown_account_locks_like_a_real_one(world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in("nobody@a.example", "wrong", ip="198.51.100.1")

    unknown = _sign_in("nobody@a.example", "wrong", ip="198.51.100.1")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(world.requester_a2.email, "wrong", ip="198.51.100.2")
    real = _sign_in(world.requester_a2.email, "wrong", ip="198.51.100.2")

    assert unknown.status_code == real.status_code == 429
    assert [t.name for t in unknown.templates] == [t.name for t in real.templates]
    assert unknown.context["cooloff_minutes"] == real.context["cooloff_minutes"]


def test_an_address_trying_many_accounts_is_locked_for_every_account(world, settings):
    settings.ESCALADE_LOGIN_ADDRESS_FAILURE_LIMIT = 3
    for number in range(3):
        _sign_in(f"guess{number}@a.example", "wrong", ip="198.51.100.7")

    from_there = _sign_in(world.requester_a.email, PASSWORD, ip="198.51.100.7")
    elsewhere = _sign_in(world.requester_a.email, PASSWORD, ip="192.0.2.10")

    assert from_there.status_code == 429
    assert elsewhere.status_code == 302


def test_an_administrator_unlocks_an_account_and_it_is_audited(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(world.agent_a.email, "wrong", ip="198.51.100.1")
    client.force_login(world.administrator)

    response = client.post(
        "/admin/accounts/user/", {"action": "unlock_sign_in", "_selected_action": [world.agent_a.pk]}
    )

    assert response.status_code == 302
    assert _sign_in(world.agent_a.email, PASSWORD, ip="198.51.100.1").status_code == 302
    event = Event.objects.get(action="user.sign_in_unlocked")
    assert (event.actor_label, event.object_id, event.data["records"]) == (
        world.administrator.email,
        world.agent_a.pk,
        1,
    )


@pytest.mark.parametrize("name", ["requester_a", "manager_a", "agent_a", "supervisor"])
def test_only_administrators_unlock(client, world, settings, name):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(world.requester_b.email, "wrong", ip="198.51.100.1")
    client.force_login(world.person(name))

    response = client.post(
        "/admin/accounts/user/", {"action": "unlock_sign_in", "_selected_action": [world.requester_b.pk]}
    )

    assert response.status_code == 403
    assert _sign_in(world.requester_b.email, PASSWORD, ip="198.51.100.1").status_code == 429
    assert not Event.objects.filter(action="user.sign_in_unlocked").exists()
