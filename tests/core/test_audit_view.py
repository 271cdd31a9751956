"""The audit view: administrators read the event log, filtered and paged by keyset."""

from __future__ import annotations

import pytest

from escalade.core.actors import Actor
from escalade.core.models import Event
from escalade.core.services import event_record

pytestmark = pytest.mark.django_db


def _record_many(world, count: int) -> None:
    actor = Actor.of(world.agent_a)
    for index in range(count):
        event_record(
            actor=actor,
            obj=world.client_a,
            action=f"test.step{index}",
            organisation_id=world.client_a.pk,
            changes={"phone": {"from": str(index), "to": str(index + 1)}},
        )


def test_the_newest_events_come_first_and_older_ones_load_by_keyset(client, world):
    _record_many(world, 60)
    client.force_login(world.administrator)

    first = client.get("/audit/", {"action": "test."})
    events = first.context["events"]
    assert [event.action for event in events[:2]] == ["test.step59", "test.step58"]
    assert len(events) == 50
    next_before = first.context["next_before"]
    assert next_before == events[-1].pk

    second = client.get("/audit/", {"action": "test.", "before": next_before}, HTTP_HX_REQUEST="true")
    assert [event.action for event in second.context["events"]][-1] == "test.step0"
    assert len(second.context["events"]) == 10
    assert second.context["next_before"] is None
    assert "<html" not in second.content.decode()  # htmx gets rows only


def test_filters_narrow_by_actor_and_organisation(client, world):
    _record_many(world, 3)
    event_record(actor=Actor.system("demo"), obj=world.client_b, action="test.other",
                 organisation_id=world.client_b.pk)  # fmt: skip
    client.force_login(world.administrator)

    by_actor = client.get("/audit/", {"actor": "agent.a@"})
    by_organisation = client.get("/audit/", {"organisation": world.client_b.pk})

    assert {event.action for event in by_actor.context["events"]} == {f"test.step{i}" for i in range(3)}
    assert [event.action for event in by_organisation.context["events"]] == ["test.other"]


def test_the_audit_page_shows_changes_before_and_after(client, world):
    _record_many(world, 1)
    client.force_login(world.administrator)

    page = client.get("/audit/").content.decode()

    assert "test.step0" in page
    assert "0 → 1" in page


def test_the_audit_page_runs_a_fixed_number_of_queries(client, world, django_assert_num_queries):
    _record_many(world, 5)
    client.force_login(world.administrator)
    client.get("/audit/")
    _record_many(world, 60)

    with django_assert_num_queries(5):
        response = client.get("/audit/")

    assert len(response.context["events"]) == 50
    assert Event.objects.count() > 45
