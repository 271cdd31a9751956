from __future__ import annotations

import pytest

from escalade.accounts.models import SupportLevel
from escalade.automation.services import rule_save
from escalade.core.actors import Actor
from tests.accounts.factories import StaffFactory, TeamFactory, TeamMembershipFactory
from tests.tickets.conftest import at, levels, make_ticket

__all__ = ["at", "levels", "make_ticket"]


@pytest.fixture
def l2(world):
    """An L2 team serving client A, with two available agents."""
    team = TeamFactory.create(name="L2 A", support_level=SupportLevel.L2, organisations=[world.client_a])
    for email, name in (("anna@provider.example", "Anna L2"), ("bruno@provider.example", "Bruno L2")):
        TeamMembershipFactory.create(team=team, user=StaffFactory.create(email=email, full_name=name))
    return team


@pytest.fixture
def make_rule(world):
    def make(*, actions, triggers=("created",), conditions=None, **fields):
        return rule_save(
            actor=Actor.of(world.supervisor), name=fields.pop("name", "Rule"), triggers=list(triggers),
            conditions=conditions or {}, actions=actions, **fields,
        )  # fmt: skip

    return make


def action(kind: str, value: str = "", text: str = "") -> dict[str, object]:
    return {"type": kind, "params": {"value": value, "text": text}}
