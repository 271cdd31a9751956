"""Forgotten password by e-mail, and changing one's password."""

from __future__ import annotations

import re

import pytest
from django.core import mail as django_mail
from django.test import Client

from escalade.core.models import Event
from tests.accounts.factories import PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Une-phrase-de-passe-2026"


def _ask_link(client: Client, email: str, callbacks):
    with callbacks(execute=True):
        return client.post("/accounts/password/reset/", {"email": email})


def _link_in(message) -> str:
    match = re.search(r"http://\S+/accounts/password/reset/\S+/", message.body)
    assert match, message.body
    return match.group(0).split("://", 1)[1].partition("/")[2]


def test_a_reset_link_arrives_in_the_persons_language_and_sets_a_new_password(
    client, world, django_capture_on_commit_callbacks
):
    django_mail.outbox.clear()
    response = _ask_link(client, "REQ.A@a.example", django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/sent/"
    [message] = django_mail.outbox
    assert message.to == [world.requester_a.email]
    assert message.subject == "Choisir un nouveau mot de passe Escalade"
    form_page = client.get("/" + _link_in(message), follow=True)
    assert form_page.context["validlink"]
    done = client.post(
        form_page.wsgi_request.path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done.status_code == 302
    world.requester_a.refresh_from_db()
    assert world.requester_a.check_password(NEW_PASSWORD)
    assert Event.objects.filter(action="user.password_changed", data__how="reset").count() == 1
    # the link works once
    assert not client.get("/" + _link_in(message), follow=True).context["validlink"]


def test_an_english_speaker_gets_the_english_mail(client, world, django_capture_on_commit_callbacks):
    django_mail.outbox.clear()
    _ask_link(client, world.requester_b.email, django_capture_on_commit_callbacks)

    assert [message.subject for message in django_mail.outbox] == ["Choose a new Escalade password"]


def test_an_unknown_address_gets_the_same_answer_and_no_mail(
    client, world, django_capture_on_commit_callbacks
):
    django_mail.outbox.clear()
    known = _ask_link(client, world.requester_a.email, django_capture_on_commit_callbacks)
    unknown = _ask_link(client, "nobody@a.example", django_capture_on_commit_callbacks)

    assert (unknown.status_code, unknown["Location"]) == (known.status_code, known["Location"])
    assert [message.to for message in django_mail.outbox] == [[world.requester_a.email]]


def test_an_inactive_account_gets_no_link(client, world, django_capture_on_commit_callbacks):
    world.requester_a.is_active = False
    world.requester_a.save()
    django_mail.outbox.clear()

    _ask_link(client, world.requester_a.email, django_capture_on_commit_callbacks)

    assert django_mail.outbox == []


def test_a_forged_link_is_refused(client, world):
    response = client.get("/accounts/password/reset/MQ/abc-123/", follow=True)

    assert not response.context["validlink"]


def test_a_reset_lifts_the_sign_in_lock(client, world, settings, django_capture_on_commit_callbacks):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": world.requester_a.email, "password": "wrong"})
    django_mail.outbox.clear()
    _ask_link(client, world.requester_a.email, django_capture_on_commit_callbacks)
    form_page = client.get("/" + _link_in(django_mail.outbox[0]), follow=True)
    client.post(form_page.wsgi_request.path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    response = Client().post(
        "/accounts/login/", {"username": world.requester_a.email, "password": NEW_PASSWORD}
    )

    assert response.status_code == 302


def test_the_same_answer_for_an_unknown_account_and_a_wrong_password(client, world):
    wrong = client.post("/accounts/login/", {"username": world.requester_a.email, "password": "wrong"})
    unknown = client.post("/accounts/login/", {"username": "nobody@a.example", "password": "wrong"})

    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].non_field_errors() == unknown.context["form"].non_field_errors()


def test_a_person_changes_their_password_and_stays_signed_in(client, world):
    client.force_login(world.agent_a)

    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    world.agent_a.refresh_from_db()
    assert world.agent_a.check_password(NEW_PASSWORD)
    assert client.get("/accounts/security/").status_code == 200
    assert Event.objects.filter(action="user.password_changed", data__how="change").count() == 1


def test_a_wrong_current_password_changes_nothing(client, world):
    client.force_login(world.agent_a)

    response = client.post(
        "/accounts/password/change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    world.agent_a.refresh_from_db()
    assert world.agent_a.check_password(PASSWORD)


def test_asking_again_within_minutes_sends_no_second_mail(client, world, django_capture_on_commit_callbacks):
    django_mail.outbox.clear()
    _ask_link(client, world.requester_a.email, django_capture_on_commit_callbacks)
    again = _ask_link(client, world.requester_a.email, django_capture_on_commit_callbacks)

    assert again["Location"] == "/accounts/password/reset/sent/"
    assert len(django_mail.outbox) == 1
