"""The automation pages: supervisors and administrators only, forms with CSRF, the dry run page."""

from __future__ import annotations

import pytest
from django.test import Client

from escalade.automation.models import Rule, TimeRule
from escalade.core.models import Event
from escalade.tickets.models import Ticket
from tests.automation.conftest import action

pytestmark = pytest.mark.django_db

ROLES = [
    "requester_a",
    "manager_a",
    "requester_b",
    "manager_b",
    "agent_a",
    "agent_b",
    "supervisor",
    "administrator",
]
MANAGERS = {"supervisor", "administrator"}


@pytest.fixture
def rule(make_rule, l2):
    return make_rule(name="VIP", actions=[action("set_priority", "1"), action("set_team", str(l2.pk))])


def _pages(rule: Rule) -> list[str]:
    time_rule = TimeRule.objects.first()
    assert time_rule is not None  # the seeded auto-close
    return [
        "/desk/automation/", "/desk/automation/rules/new/", f"/desk/automation/rules/{rule.pk}/",
        f"/desk/automation/rules/{rule.pk}/try/", "/desk/automation/rows/condition/",
        "/desk/automation/rows/action/", "/desk/automation/time/new/",
        f"/desk/automation/time/{time_rule.pk}/",
    ]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(client, world, rule, role):
    client.force_login(world.person(role))
    for path in _pages(rule):
        assert client.get(path).status_code == (200 if role in MANAGERS else 403), path


@pytest.mark.parametrize("role", ["agent_a", "requester_a", "manager_b"])
def test_others_cannot_change_rules(client, world, rule, role):
    client.force_login(world.person(role))
    assert client.post(f"/desk/automation/rules/{rule.pk}/active/", {"active": "0"}).status_code == 403
    assert (
        client.post("/desk/automation/rules/new/", {"name": "x", "triggers": ["created"]}).status_code == 403
    )
    rule.refresh_from_db()
    assert rule.is_active
    assert Rule.objects.count() == 1


def _in_english(person):
    person.language = "en"
    person.save(update_fields=["language"])
    return person


def test_the_list_shows_what_each_rule_does(client, world, rule):
    client.force_login(_in_english(world.supervisor))
    page = client.get("/desk/automation/").content.decode()
    assert "VIP" in page
    assert "set the priority to P1 — Critical, gave the ticket to the team “L2 A”" in page


def test_a_supervisor_creates_a_rule_from_the_desk(world, l2):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.supervisor)
    form = {
        "name": "Serveurs", "triggers": ["created", "updated"], "match": "all", "is_active": "on",
        "condition-field": ["title", ""], "condition-operator": ["contains", "is"],
        "condition-value": ["serveur", ""],
        "action-type": ["set_priority", "set_team", ""], "action-value": ["1", str(l2.pk), ""],
        "action-text": ["", "", ""],
    }  # fmt: skip
    assert client.post("/desk/automation/rules/new/", form).status_code == 403  # no CSRF token

    page = client.get("/desk/automation/rules/new/")
    form["csrfmiddlewaretoken"] = page.context["csrf_token"]
    response = client.post("/desk/automation/rules/new/", form)

    rule = Rule.objects.get()
    assert response.status_code == 302
    assert rule.triggers == ["created", "updated"]
    assert rule.conditions == {
        "match": "all",
        "items": [{"field": "title", "operator": "contains", "value": "serveur"}],
    }
    assert [a["type"] for a in rule.actions] == ["set_priority", "set_team"]
    assert Event.objects.filter(action="automation.rule_created", object_id=rule.pk).exists()


def test_a_bad_row_is_shown_next_to_the_form(client, world):
    client.force_login(_in_english(world.supervisor))
    form = {
        "name": "Cassée", "triggers": ["created"], "match": "all",
        "condition-field": ["title"], "condition-operator": ["matches"], "condition-value": ["(("],
        "action-type": ["set_priority"], "action-value": ["1"], "action-text": [""],
    }  # fmt: skip
    response = client.post("/desk/automation/rules/new/", form)
    assert response.status_code == 200
    assert "Condition 1" in response.content.decode()
    assert not Rule.objects.exists()


def test_toggle_and_move(client, world, rule, make_rule):
    other = make_rule(name="Autre", actions=[action("add_tags", "x")])
    client.force_login(world.administrator)
    client.post(f"/desk/automation/rules/{other.pk}/move/", {"to": "up"})
    assert list(Rule.objects.order_by("position").values_list("name", flat=True)) == ["Autre", "VIP"]
    client.post(f"/desk/automation/rules/{rule.pk}/active/", {"active": "0"})
    rule.refresh_from_db()
    assert not rule.is_active


def test_the_dry_run_page_changes_nothing(client, world, rule, make_ticket):
    ticket = make_ticket()
    events = Event.objects.count()
    client.force_login(_in_english(world.supervisor))
    page = client.post(f"/desk/automation/rules/{rule.pk}/try/", {"reference": ticket.reference})
    text = page.content.decode()
    assert "set the priority to P1" in text
    assert Event.objects.count() == events
    assert Ticket.objects.get(pk=ticket.pk).priority == ticket.priority


def test_a_time_automation_from_the_desk(client, world):
    client.force_login(world.supervisor)
    response = client.post("/desk/automation/time/new/", {
        "name": "P1 sans agent", "state": "new", "after": "10", "unit": "minutes", "priority": "1",
        "is_unassigned_only": "on", "is_active": "on",
        "action-type": ["notify"], "action-value": ["supervisors"], "action-text": ["P1 en attente"],
    })  # fmt: skip
    assert response.status_code == 302
    saved = TimeRule.objects.get(name="P1 sans agent")
    assert (saved.after, saved.unit, saved.priority, saved.is_unassigned_only) == (10, "minutes", 1, True)


def _list_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get("/desk/automation/").status_code == 200
    return len(queries)


def test_the_list_costs_the_same_queries_whatever_the_number_of_rules(client, world, rule, make_rule):
    client.force_login(world.supervisor)
    few = _list_queries(client)
    for n in range(5):
        make_rule(name=f"Règle {n}", organisation=world.client_a, actions=[action("add_tags", f"t{n}")])
    assert _list_queries(client) == few


def test_the_list_page_query_count_is_pinned(client, world, rule, django_assert_num_queries):
    client.force_login(world.supervisor)
    client.get("/desk/automation/")  # the session and the user are read once per request anyway
    with django_assert_num_queries(4):  # session, user, rules, time automations
        client.get("/desk/automation/")
