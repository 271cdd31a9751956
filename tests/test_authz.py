"""Who sees what: every page × every role × organisation, and denied calls change nothing."""

from __future__ import annotations

import pytest

from escalade import authz
from escalade.accounts.models import Team, TeamMembership
from escalade.accounts.services import team_member_add
from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.orgs.models import Organisation

pytestmark = pytest.mark.django_db

ROLES = [
    "requester_a", "manager_a", "requester_b", "manager_b", "agent_a", "agent_b", "supervisor",
    "administrator",
]  # fmt: skip

# page -> the people who may open it (everyone else signed in gets 403; anonymous goes to sign-in)
PAGES = {
    "/": set(ROLES),
    "/accounts/profile/": set(ROLES),
    "/audit/": {"administrator"},
    "/admin/": {"administrator"},
    "/admin/orgs/organisation/": {"administrator"},
    "/admin/accounts/user/": {"administrator"},
    "/admin/accounts/team/": {"administrator"},
    "/admin/core/event/": {"administrator"},
}


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_page_access_by_role(client, world, role, path):
    client.force_login(world.person(role))

    response = client.get(path)

    expected = 200 if role in PAGES[path] else 403
    if path == "/":  # home sends staff to the desk and everyone else to the portal
        expected = 302
    assert response.status_code == expected


@pytest.mark.parametrize("path", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, world, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


VISIBLE_ORGANISATIONS = {
    "requester_a": {"client-a"},
    "manager_a": {"client-a"},
    "requester_b": {"client-b"},
    "manager_b": {"client-b"},
    "agent_a": {"provider", "client-a"},
    "agent_b": {"provider", "client-b"},
    "supervisor": {"provider", "client-a", "client-b"},
    "administrator": {"provider", "client-a", "client-b"},
}


@pytest.mark.parametrize("role", ROLES)
def test_organisations_visible_by_role(world, role):
    visible = authz.organisations_visible_to(world.person(role))

    assert set(visible.values_list("slug", flat=True)) == VISIBLE_ORGANISATIONS[role]


@pytest.mark.parametrize("role", ROLES)
def test_people_visible_by_role(world, role):
    person = world.person(role)
    visible = set(authz.people_visible_to(person).values_list("email", flat=True))

    if role.startswith("requester"):
        assert visible == {person.email}
    else:
        organisations = VISIBLE_ORGANISATIONS[role]
        assert all(
            slug in organisations
            for slug in authz.people_visible_to(person).values_list("organisation__slug", flat=True)
        )
        assert person.email in visible


def test_an_inactive_person_sees_nothing(world):
    world.administrator.is_active = False

    assert not authz.organisations_visible_to(world.administrator).exists()
    assert not authz.can_access_admin_site(world.administrator)
    assert not authz.events_visible_to(world.administrator).exists()


def test_an_agent_stops_seeing_a_client_when_the_team_is_deactivated(world):
    world.agent_a.teams.update(is_active=False)

    assert set(authz.organisations_visible_to(world.agent_a).values_list("slug", flat=True)) == {"provider"}


@pytest.mark.parametrize("role", [r for r in ROLES if r != "administrator"])
def test_a_non_administrator_cannot_create_an_organisation_through_the_admin(client, world, role):
    client.force_login(world.person(role))
    before = (Organisation.objects.count(), Event.objects.count())

    response = client.post(
        "/admin/orgs/organisation/add/",
        {"name": "Intruder", "slug": "intruder", "kind": "client", "is_active": "on"},
    )

    assert response.status_code == 403
    assert (Organisation.objects.count(), Event.objects.count()) == before


@pytest.mark.parametrize("role", [r for r in ROLES if r != "administrator"])
def test_a_non_administrator_cannot_change_a_role_through_the_admin(client, world, role):
    person = world.person(role)
    client.force_login(person)

    response = client.post(
        f"/admin/accounts/user/{person.pk}/change/",
        {"email": person.email, "full_name": "x", "organisation": person.organisation_id,
         "role": "administrator", "language": "fr", "time_zone": "Europe/Paris", "is_active": "on"},
    )  # fmt: skip

    assert response.status_code == 403
    person.refresh_from_db()
    assert person.role != "administrator" or role == "administrator"
    assert person.full_name != "x"


def _served_slugs(person) -> set[str]:
    """What a new request of ``person`` finds they serve (each request loads the person anew)."""
    fresh = type(person).objects.get(pk=person.pk)
    ids = authz.served_organisation_ids(fresh)
    return set(Organisation.objects.filter(pk__in=ids).values_list("slug", flat=True))


def test_an_agent_added_to_a_team_serves_its_client_at_the_next_request(world):
    assert _served_slugs(world.agent_a) == {"provider", "client-a"}  # kept by this process from now on

    team_member_add(actor=Actor.system("test"), team=Team.objects.get(name="L1 B"), user=world.agent_a)

    assert _served_slugs(world.agent_a) == {"provider", "client-a", "client-b"}


def test_an_agent_taken_out_of_a_team_in_the_admin_stops_serving_its_client(client, world):
    team = Team.objects.get(name="L1 A")
    membership = TeamMembership.objects.get(team=team, user=world.agent_a)
    assert _served_slugs(world.agent_a) == {"provider", "client-a"}
    client.force_login(world.administrator)

    response = client.post(
        f"/admin/accounts/team/{team.pk}/change/",
        {"name": team.name, "support_level": team.support_level, "organisations": [world.client_a.pk],
         "is_active": "on", "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1",
         "memberships-0-id": membership.pk, "memberships-0-team": team.pk,
         "memberships-0-user": world.agent_a.pk, "memberships-0-skills": "[]",
         "memberships-0-DELETE": "on"},
    )  # fmt: skip

    assert response.status_code == 302, response.context["errors"] if response.context else response
    assert not TeamMembership.objects.filter(pk=membership.pk).exists()
    assert _served_slugs(world.agent_a) == {"provider"}
