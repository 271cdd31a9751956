"""French and English: the browser's choice, the switch, and the person's own setting."""

from __future__ import annotations

import pytest

from escalade.core.models import Event

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_follows_the_browser_language(client):
    french = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    english = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")

    assert "Connexion" in french.content.decode()
    assert '<html lang="fr">' in french.content.decode()
    assert "Sign in" in english.content.decode()
    assert '<html lang="en">' in english.content.decode()


def test_an_anonymous_visitor_switches_language_with_a_cookie(client):
    response = client.post("/accounts/language/", {"language": "en", "next": "/accounts/login/"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    assert "Sign in" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()


def test_the_switch_never_redirects_to_another_site(client):
    response = client.post("/accounts/language/", {"language": "en", "next": "https://evil.example/"})

    assert response["Location"] == "/"


def test_a_signed_in_person_keeps_their_language_on_any_browser(client, world):
    client.force_login(world.requester_b)  # requester_b speaks English

    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr", follow=True).content.decode()

    assert "Hello" in page
    assert "My profile" in page


def test_switching_language_while_signed_in_saves_it_on_the_profile(client, world):
    client.force_login(world.requester_a)

    client.post("/accounts/language/", {"language": "en", "next": "/"})

    world.requester_a.refresh_from_db()
    assert world.requester_a.language == "en"
    event = Event.objects.get(action="user.updated", object_id=world.requester_a.pk)
    assert event.changes == {"language": {"from": "fr", "to": "en"}}
    assert "Hello" in client.get("/", follow=True).content.decode()
