"""Signing in by e-mail, signing out, and throttling of failed attempts."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _sign_in(client: Client, email: str, password: str, ip: str = "192.0.2.10"):
    return client.post("/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip)


def test_a_person_signs_in_with_their_email_in_any_case(client, world):
    response = _sign_in(client, "REQ.A@A.example", PASSWORD)

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/", follow=True).context["user"] == world.requester_a


def test_a_wrong_password_is_refused_with_a_message(client, world):
    response = _sign_in(client, world.requester_a.email, "wrong")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert not response.context["user"].is_authenticated


def test_an_inactive_person_cannot_sign_in(client, world):
    world.requester_a.is_active = False
    world.requester_a.save()

    response = _sign_in(client, world.requester_a.email, PASSWORD)

    assert response.status_code == 200
    assert not response.context["user"].is_authenticated


def test_repeated_failures_lock_the_account_from_that_address(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, world.requester_a.email, "wrong")

    locked = _sign_in(client, world.requester_a.email, PASSWORD)

    assert locked.status_code == 429
    assert "Trop de tentatives" in locked.content.decode() or "Too many" in locked.content.decode()
    assert not client.get("/accounts/profile/").wsgi_request.user.is_authenticated


def test_the_lock_is_per_account_so_another_address_gets_no_extra_guesses(client, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, world.requester_a.email, "wrong", ip="198.51.100.66")

    response = _sign_in(Client(), world.requester_a.email, PASSWORD, ip="192.0.2.10")

    assert response.status_code == 429


def test_signing_out_needs_a_post(client, world):
    client.force_login(world.requester_a)

    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_changing_the_case_of_the_email_does_not_dodge_the_lock(client, world, settings):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        email = world.requester_a.email.upper() if attempt % 2 else world.requester_a.email
        _sign_in(client, email, "wrong")

    assert _sign_in(client, world.requester_a.email.title(), PASSWORD).status_code == 429
