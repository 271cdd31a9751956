"""Who gets a phone ticket (the agent who took the call, unless they choose otherwise), and the
assignment lists: each agent with their level and current load, read in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from escalade.accounts.models import User
from escalade.core.actors import Actor
from escalade.tickets.services import ticket_assign
from escalade.workspace import selectors
from escalade.workspace.forms import AssignForm
from escalade.workspace.models import PhoneCall
from tests.accounts.factories import StaffFactory, TeamMembershipFactory

pytestmark = pytest.mark.django_db

CALL = {
    "started_at": "2020-01-06 09:00",
    "title": "Imprimante",
    "impact": 3,
    "urgency": 2,
    "duration": "1:00",
}


def test_the_agent_who_takes_the_call_is_proposed_and_becomes_the_assignee(client, world, levels):
    client.force_login(world.agent_a)
    form = client.get(f"/desk/call/?caller={world.requester_a.pk}").content.decode()
    assert f'<option value="{world.agent_a.pk}" selected>' in form

    client.post("/desk/call/", {**CALL, "caller": world.requester_a.pk, "assignee": world.agent_a.pk})

    ticket = PhoneCall.objects.get().ticket
    assert (ticket.assignee, ticket.state, ticket.team) == (
        world.agent_a,
        "assigned",
        world.agent_a.teams.get(),
    )


def test_the_agent_may_give_the_call_to_someone_else(client, world, levels):
    client.force_login(world.agent_a)
    client.post("/desk/call/", {**CALL, "caller": world.requester_a.pk, "assignee": levels["l2_agent"].pk})
    ticket = PhoneCall.objects.get().ticket
    assert (ticket.assignee, ticket.team) == (levels["l2_agent"], levels["l2"])


def test_a_supervisor_outside_the_teams_leaves_it_to_the_team(client, world):
    client.force_login(world.supervisor)
    form = client.get(f"/desk/call/?caller={world.requester_a.pk}").content.decode()
    assert f'<option value="{world.supervisor.pk}"' not in form
    client.post("/desk/call/", {**CALL, "caller": world.requester_a.pk, "assignee": ""})
    ticket = PhoneCall.objects.get().ticket
    assert (ticket.assignee, ticket.team) == (None, world.agent_a.teams.get())  # the team's queue


def test_the_lists_show_level_and_open_load(world, make_ticket, levels):
    team = world.agent_a.teams.get()
    for title in ("Un", "Deux"):
        ticket_assign(
            actor=Actor.system("tests"), ticket=make_ticket(title=title), team=team, assignee=world.agent_a
        )
    form = AssignForm(
        teams=selectors.teams_serving(user=world.supervisor),
        people=selectors.people_to_assign(user=world.supervisor, organisation_id=world.client_a.pk),
    )
    with translation.override("en"):
        labels = dict(form.fields["assignee"].choices)  # type: ignore[attr-defined]
    assert labels[world.agent_a.pk] == f"{world.agent_a.full_name} — level 1 · 2 open tickets"
    assert labels[levels["l2_agent"].pk] == f"{levels['l2_agent'].full_name} — level 2 · 0 open tickets"
    assert world.agent_b.pk not in labels  # serves client B only
    with translation.override("fr"):
        labels = dict(form.fields["assignee"].choices)  # type: ignore[attr-defined]
    assert labels[world.agent_a.pk] == f"{world.agent_a.full_name} — niveau 1 · 2 tickets ouverts"


def _queries(user: User, organisation_id: int) -> list[str]:
    form = AssignForm(
        teams=selectors.teams_serving(user=user),
        people=selectors.people_to_assign(user=user, organisation_id=organisation_id),
    )
    with CaptureQueriesContext(connection) as captured:
        form["assignee"].as_widget()
    return [query["sql"] for query in captured.captured_queries]


def test_the_loads_cost_one_grouped_query_however_many_agents(world, make_ticket):
    few = _queries(world.supervisor, world.client_a.pk)
    team = world.agent_a.teams.get()
    for _index in range(12):
        agent = StaffFactory.create()
        TeamMembershipFactory.create(team=team, user=agent)
        ticket_assign(actor=Actor.system("tests"), ticket=make_ticket(), team=team, assignee=agent)
    many = _queries(world.supervisor, world.client_a.pk)

    assert len(few) == len(many) == 2  # the people with their level, then their loads
    loads = many[1]
    assert "GROUP BY" in loads
    assert '"assignee_id" IN' in loads
    assert '"state" IN' in loads  # open tickets only, never a count over all tickets
