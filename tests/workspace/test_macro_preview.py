"""Applying a macro from the desk goes through a preview: the text with its variables filled in, sent
only when the agent confirms (and as they edited it)."""

from __future__ import annotations

import pytest

from escalade.core.models import Event
from escalade.tickets.models import FollowUp
from escalade.workspace.models import Macro

pytestmark = pytest.mark.django_db


@pytest.fixture
def macro(world):
    return Macro.objects.create(
        team=world.agent_a.teams.get(), name="Relance", language="fr", set_state="pending_requester",
        body="Bonjour {{ requester.first_name }}, où en est {{ ticket.reference }} ? {{agent_name}}",
    )  # fmt: skip


def test_the_preview_fills_the_variables_and_sends_nothing(client, world, make_ticket, macro):
    ticket = make_ticket()
    client.force_login(world.agent_a)
    events = Event.objects.count()

    response = client.post(f"/desk/t/{ticket.reference}/macro/", {"macro-macro": macro.pk, "preview": "1"})

    first_name, agent = world.requester_a.get_short_name(), world.agent_a.full_name
    text = f"Bonjour {first_name}, où en est {ticket.reference} ? {agent}"
    assert response.status_code == 200
    assert text in response.content.decode().replace("&#x27;", "'")
    assert not FollowUp.objects.exists()
    assert Event.objects.count() == events


def test_sending_after_the_preview_uses_the_edited_text(client, world, make_ticket, macro):
    ticket = make_ticket()
    client.force_login(world.agent_a)
    client.post(f"/desk/t/{ticket.reference}/take/")

    response = client.post(
        f"/desk/t/{ticket.reference}/macro/",
        {"macro-macro": macro.pk, "macro-body": "Texte revu par l'agent.", "confirm": "1"},
    )

    assert response.status_code == 302
    assert FollowUp.objects.get(ticket=ticket).body == "Texte revu par l'agent."
    ticket.refresh_from_db()
    assert ticket.state == "pending_requester"


def test_the_macro_panel_offers_the_preview(client, world, make_ticket, macro):
    ticket = make_ticket()
    client.force_login(world.agent_a)
    body = client.get(f"/desk/t/{ticket.reference}/macro/", HTTP_HX_REQUEST="true").content.decode()
    assert 'name="preview"' in body


def test_another_agents_team_macro_cannot_be_previewed(client, world, make_ticket, macro):
    ticket = make_ticket(requester=world.requester_b)
    client.force_login(world.agent_b)
    response = client.post(f"/desk/t/{ticket.reference}/macro/", {"macro-macro": macro.pk, "preview": "1"})
    assert response.status_code == 422  # not among the macros agent B may use
    assert not FollowUp.objects.exists()


def test_a_macro_is_never_sent_without_its_preview(client, world, make_ticket, macro):
    """Ctrl+Enter in the panel (no "preview" button pressed) or a crafted POST: the preview, rendered
    as the requester will read it, and nothing sent."""
    ticket = make_ticket()
    macro.body = "Bonjour **{{ requester.first_name }}**"
    macro.save()
    client.force_login(world.agent_a)

    response = client.post(f"/desk/t/{ticket.reference}/macro/", {"macro-macro": macro.pk})

    body = response.content.decode()
    assert response.status_code == 200
    assert f"<strong>{world.requester_a.get_short_name()}</strong>" in body  # rendered, placeholder filled
    assert 'name="confirm"' in body
    assert not FollowUp.objects.exists()
