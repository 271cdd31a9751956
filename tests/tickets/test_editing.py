"""Staff edit what a ticket is about; every edit is recorded, invalid edits change nothing."""

from __future__ import annotations

import pytest

from escalade.core.actors import Actor
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.core.models import Event
from escalade.tickets.models import Ticket
from escalade.tickets.services import ticket_update
from tests.tickets.factories import CategoryFactory, CategoryFieldFactory

pytestmark = pytest.mark.django_db


def test_an_agent_recategorises_and_tags_a_ticket(world, make_ticket):
    ticket = make_ticket()
    category = CategoryFactory.create()
    CategoryFieldFactory.create(category=category, key="asset_tag", is_required=True)

    with pytest.raises(ValidationFailed) as error:
        ticket_update(actor=Actor.of(world.agent_a), ticket=ticket, category=category)
    assert error.value.field == "custom_fields.asset_tag"

    ticket = ticket_update(
        actor=Actor.of(world.agent_a), ticket=ticket, category=category, custom_fields={"asset_tag": "PC-9"},
        title="Imprimante 2e étage bloquée", tags=["imprimante"], watchers=[world.manager_a],
    )  # fmt: skip

    event = Event.objects.get(action="ticket.updated", object_id=ticket.pk)
    assert event.changes["category"] == {"from": None, "to": category.pk}
    assert event.changes["title"]["to"] == "Imprimante 2e étage bloquée"
    assert event.data == {"tags": {"from": [], "to": ["imprimante"]},
                          "watchers": {"from": [], "to": [world.manager_a.pk]}}  # fmt: skip


def test_a_watcher_must_be_able_to_see_the_ticket(world, make_ticket):
    ticket = make_ticket()
    with pytest.raises(ValidationFailed) as error:
        ticket_update(actor=Actor.of(world.agent_a), ticket=ticket, watchers=[world.requester_b])
    assert error.value.field == "watchers"
    assert not Ticket.objects.get(pk=ticket.pk).watchers.exists()


def test_requesters_cannot_edit_the_ticket(world, make_ticket):
    ticket = make_ticket()
    with pytest.raises(PermissionDeniedError):
        ticket_update(actor=Actor.of(world.requester_a), ticket=ticket, title="Hack")
    assert Ticket.objects.get(pk=ticket.pk).title == "Imprimante bloquée"
