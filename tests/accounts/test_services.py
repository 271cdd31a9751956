"""People and team services enforce the rules of who belongs where."""

from __future__ import annotations

import pytest

from escalade.accounts.models import Role
from escalade.accounts.services import team_create, team_member_add, user_create, user_update
from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.models import Event

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("test")


def test_a_new_person_gets_a_lower_case_email_and_an_event(world):
    user = user_create(
        actor=SYSTEM, email=" Jean.Dupont@A.Example ", full_name="Jean Dupont",
        organisation=world.client_a, password="Un mot de passe solide 42",
    )  # fmt: skip

    assert user.email == "jean.dupont@a.example"
    assert user.check_password("Un mot de passe solide 42")
    event = Event.objects.get(action="user.created", object_id=user.pk)
    assert event.changes["role"] == {"from": None, "to": "requester"}
    assert "password" not in event.changes


def test_the_same_email_cannot_have_two_accounts(world):
    with pytest.raises(ValidationFailed) as error:
        user_create(actor=SYSTEM, email="REQ.A@a.example", full_name="X", organisation=world.client_a)

    assert error.value.field == "email"


def test_a_weak_password_is_refused(world):
    with pytest.raises(ValidationFailed) as error:
        user_create(
            actor=SYSTEM, email="x@a.example", full_name="X", organisation=world.client_a, password="1234"
        )

    assert error.value.field == "password"


@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR])
def test_provider_roles_belong_to_the_provider(world, role):
    with pytest.raises(ValidationFailed):
        user_create(actor=SYSTEM, email="x@a.example", full_name="X", organisation=world.client_a, role=role)

    with pytest.raises(ValidationFailed):
        user_update(actor=SYSTEM, user=world.manager_a, role=role)
    world.manager_a.refresh_from_db()
    assert world.manager_a.role == Role.CLIENT_MANAGER


def test_a_role_change_is_recorded_as_such(world):
    user_update(actor=Actor.of(world.administrator), user=world.agent_a, role=Role.SUPERVISOR)

    event = Event.objects.get(action="user.role_changed")
    assert event.changes == {"role": {"from": "agent", "to": "supervisor"}}
    assert event.actor == world.administrator


def test_only_provider_staff_join_support_teams(world):
    team = team_create(actor=SYSTEM, name="Hotline", support_level=1, organisations=[world.client_a])

    with pytest.raises(ValidationFailed):
        team_member_add(actor=SYSTEM, team=team, user=world.requester_a)
    team_member_add(actor=SYSTEM, team=team, user=world.agent_b, is_lead=True)
    team_member_add(actor=SYSTEM, team=team, user=world.agent_b)

    assert list(team.members.all()) == [world.agent_b]
    assert Event.objects.filter(action="team.member_added", object_id=team.pk).count() == 1
    created = Event.objects.get(action="team.created", object_id=team.pk)
    assert created.changes["organisations"] == {"from": None, "to": [world.client_a.pk]}
