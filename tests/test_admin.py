"""Django's admin for configuration objects: changes made there land in the event log too."""

from __future__ import annotations

import pytest

from escalade.core.models import Event
from escalade.orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_an_organisation_created_in_the_admin_is_recorded(client, world):
    client.force_login(world.administrator)

    response = client.post(
        "/admin/orgs/organisation/add/",
        {
            "name": "Cabinet Vidal", "slug": "vidal", "kind": "client", "is_active": "on",
            "domains-TOTAL_FORMS": "1", "domains-INITIAL_FORMS": "0", "domains-0-domain": "vidal.example",
            "sites-TOTAL_FORMS": "0", "sites-INITIAL_FORMS": "0",
        },
    )  # fmt: skip

    assert response.status_code == 302, response.context["adminform"].errors if response.context else ""
    organisation = Organisation.objects.get(slug="vidal")
    assert list(organisation.domains.values_list("domain", flat=True)) == ["vidal.example"]
    event = Event.objects.get(action="organisation.created", object_id=organisation.pk)
    assert event.actor == world.administrator
    assert event.data == {"via": "admin"}
    assert event.changes["name"]["to"] == "Cabinet Vidal"


def test_a_role_changed_in_the_admin_is_recorded_with_before_and_after(client, world):
    client.force_login(world.administrator)
    agent = world.agent_a

    response = client.post(
        f"/admin/accounts/user/{agent.pk}/change/",
        {"email": agent.email, "full_name": agent.full_name, "organisation": agent.organisation_id,
         "role": "supervisor", "language": "fr", "time_zone": "Europe/Paris", "is_active": "on"},
    )  # fmt: skip

    assert response.status_code == 302
    event = Event.objects.get(action="user.updated", object_id=agent.pk)
    assert event.changes == {"role": {"from": "agent", "to": "supervisor"}}


def test_an_administrator_sets_a_new_password_in_the_admin(client, world):
    client.force_login(world.administrator)
    url = f"/admin/accounts/user/{world.requester_a.pk}/password/"

    assert client.get(url).status_code == 200
    response = client.post(
        url, {"password1": "Nouveau mot de passe 2026", "password2": "Nouveau mot de passe 2026"}
    )

    assert response.status_code == 302
    world.requester_a.refresh_from_db()
    assert world.requester_a.check_password("Nouveau mot de passe 2026")


def test_the_event_log_is_read_only_in_the_admin(client, world):
    client.force_login(world.administrator)

    assert client.get("/admin/core/event/add/").status_code == 403
