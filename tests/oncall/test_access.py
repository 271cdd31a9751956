"""Who sees what: the on-call and alert pages and endpoints, role × organisation. Client people see
none of it; an agent sees and acknowledges only the pages of the clients they serve; alert sources
(tokens) are for administrators, the triage queue for supervisors and administrators."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.urls import reverse

from escalade.alerts.models import Alert, AlertState
from escalade.core.actors import Actor
from escalade.oncall.models import Paging
from escalade.tickets.services import ticket_create
from tests.api.conftest import Api
from tests.oncall.helpers import SUNDAY_2H, frozen

pytestmark = pytest.mark.django_db

CLIENT_PEOPLE = ["requester_a", "manager_a", "requester_b", "manager_b"]
STAFF = ["agent_a", "agent_b", "supervisor", "administrator"]


@pytest.fixture
def paged(world: Any, rota: Any) -> Paging:
    with frozen(SUNDAY_2H):
        ticket_create(
            actor=Actor.of(world.agent_a), requester=world.requester_a, title="Core switch down", priority=1,
            priority_reason="outage",
        )  # fmt: skip
    return Paging.objects.get()


def _urls(world: Any, rota: Any) -> dict[str, list[str]]:
    triage = Alert.objects.create(
        source=rota.source, fingerprint="t", state=AlertState.TRIAGE, title="Unknown"
    )
    return {
        "staff": [
            reverse("oncall:schedules"), reverse("oncall:schedule", args=[rota.schedule.pk]),
            reverse("oncall:pagings"), reverse("oncall:report"),
        ],
        "supervisors": [reverse("alerts:triage"), reverse("alerts:maintenance")],
        "administrators": [reverse("alerts:sources"), reverse("alerts:source", args=[rota.source.pk])],
        "posts": [
            reverse("alerts:rotate", args=[rota.source.pk]), reverse("alerts:triage_file", args=[triage.pk]),
        ],
    }  # fmt: skip


@pytest.mark.parametrize("role", CLIENT_PEOPLE + STAFF)
def test_desk_pages_by_role(client, world, rota, paged, role):
    urls = _urls(world, rota)
    token = rota.source.token
    client.force_login(world.person(role))
    allowed = {
        "staff": role in STAFF, "supervisors": role in {"supervisor", "administrator"},
        "administrators": role == "administrator",
    }  # fmt: skip
    for group, may in allowed.items():
        for url in urls[group]:
            assert client.get(url).status_code == (200 if may else 403), (role, url)
    if role != "administrator":
        for url in urls["posts"][:1]:
            assert client.post(url).status_code == 403
        rota.source.refresh_from_db()
        assert rota.source.token == token  # the denied call changed nothing


def test_anonymous_people_are_sent_to_sign_in(client, rota):
    assert client.get(reverse("oncall:schedules")).status_code == 302
    assert client.get(reverse("alerts:sources")).status_code == 302


def test_an_agent_sees_only_the_pages_of_clients_they_serve(client, world, paged):
    client.force_login(world.agent_b)
    assert paged.ticket.reference not in client.get(reverse("oncall:pagings")).content.decode()
    assert client.post(reverse("oncall:acknowledge", args=[paged.pk])).status_code == 404
    paged.refresh_from_db()
    assert paged.acknowledged_at is None
    client.force_login(world.agent_a)
    assert paged.ticket.reference in client.get(reverse("oncall:pagings")).content.decode()


def test_the_source_page_shows_its_token_to_administrators(client, world, rota):
    client.force_login(world.administrator)
    page = client.get(reverse("alerts:source", args=[rota.source.pk]))
    assert rota.source.token in page.content.decode()
    assert page["Cache-Control"] == "no-store"


@pytest.mark.parametrize("role", CLIENT_PEOPLE + STAFF)
def test_the_api_by_role(api: Api, world, rota, paged, role):
    person = world.person(role)
    now = api.get("/api/oncall/now", person)
    pagings = api.get("/api/oncall/pagings", person)
    if role in CLIENT_PEOPLE:
        assert (now.status_code, pagings.status_code) == (403, 403)
        assert api.post(f"/api/oncall/pagings/{paged.pk}/acknowledge", person).status_code == 403
        return
    assert now.status_code == 200
    [row] = now.json()
    assert row["schedule_name"] == "Astreinte"
    seen = [item["id"] for item in pagings.json()]
    assert seen == ([] if role == "agent_b" else [paged.pk])
    answer = api.post(f"/api/oncall/pagings/{paged.pk}/acknowledge", person)
    if role == "agent_b":
        assert answer.status_code == 404
        paged.refresh_from_db()
        assert paged.acknowledged_at is None
    else:
        assert answer.status_code == 200
        assert json.loads(answer.content)["acknowledged_by_id"] == person.pk
        assert api.post(f"/api/oncall/pagings/{paged.pk}/acknowledge", person).status_code == 409


def test_who_is_on_call_now_and_next_in_the_api(api: Api, world, rota):
    with frozen(SUNDAY_2H):
        [row] = api.get("/api/oncall/now", world.agent_a).json()
    assert row["now"]["user_id"] == rota.first.pk
    assert row["next"]["user_id"] == rota.second.pk
    assert row["next"]["start"].startswith("2026-12-07T09:00:00+01:00") or row["next"]["start"].startswith(
        "2026-12-07T08:00:00Z"
    )
