"""A person edits their own profile; errors are shown next to the field."""

from __future__ import annotations

import pytest

from escalade.core.models import Event

pytestmark = pytest.mark.django_db


def test_a_person_updates_their_phone_and_time_zone(client, world):
    client.force_login(world.requester_a)

    response = client.post(
        "/accounts/profile/",
        {"full_name": "Alice Martin", "phone": "+33 6 00 00 00 01", "job_title": "Comptable",
         "language": "fr", "time_zone": "America/Martinique"},
    )  # fmt: skip

    assert response.status_code == 302
    world.requester_a.refresh_from_db()
    assert world.requester_a.phone == "+33 6 00 00 00 01"
    assert world.requester_a.time_zone == "America/Martinique"
    assert Event.objects.filter(action="user.updated", actor=world.requester_a).exists()


def test_an_invalid_profile_is_refused_next_to_the_field(client, world):
    client.force_login(world.requester_a)

    response = client.post(
        "/accounts/profile/",
        {"full_name": "", "language": "fr", "time_zone": "Mars/Olympus_Mons"},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"full_name", "time_zone"}
    assert 'role="alert"' in response.content.decode()
    world.requester_a.refresh_from_db()
    assert world.requester_a.time_zone == "Europe/Paris"


def test_a_person_cannot_raise_their_own_role_through_the_profile(client, world):
    client.force_login(world.requester_a)

    client.post(
        "/accounts/profile/",
        {"full_name": "A", "language": "fr", "time_zone": "Europe/Paris", "role": "administrator"},
    )

    world.requester_a.refresh_from_db()
    assert world.requester_a.role == "requester"
