"""The event log: services record who changed what, and nobody can rewrite history."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from escalade.core.actors import Actor
from escalade.core.models import AppendOnlyError, Event
from escalade.core.services import event_record
from escalade.orgs.models import Organisation
from escalade.orgs.services import organisation_create, organisation_update

pytestmark = pytest.mark.django_db


def test_creating_an_organisation_records_who_and_what(world):
    actor = Actor.of(world.administrator, source_ip="192.0.2.7")

    organisation = organisation_create(actor=actor, name="Pharmacie Centrale", phone="+33 1 23")

    event = Event.objects.get(action="organisation.created", object_id=organisation.pk)
    assert event.actor == world.administrator
    assert event.actor_kind == Event.ActorKind.USER
    assert event.actor_label == "admin@provider.example"
    assert event.source_ip == "192.0.2.7"
    assert event.organisation_id == organisation.pk
    assert event.object_repr == "Pharmacie Centrale"
    assert event.changes["name"] == {"from": None, "to": "Pharmacie Centrale"}
    assert event.changes["slug"] == {"from": None, "to": "pharmacie-centrale"}


def test_an_update_records_only_the_fields_that_changed(world):
    actor = Actor.system("test")

    organisation_update(actor=actor, organisation=world.client_a, phone="+33 4 00", name="Client A")

    event = Event.objects.get(action="organisation.updated")
    assert event.changes == {"phone": {"from": "", "to": "+33 4 00"}}
    assert event.actor_label == "system:test"
    assert event.actor is None


def test_an_update_that_changes_nothing_records_nothing(world):
    organisation_update(actor=Actor.system("test"), organisation=world.client_a, name="Client A")

    assert not Event.objects.filter(action="organisation.updated").exists()


def test_a_rejected_update_changes_nothing_and_records_nothing(world):
    from escalade.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        organisation_update(actor=Actor.system("test"), organisation=world.client_a, kind="provider")

    assert error.value.field == "kind"
    world.client_a.refresh_from_db()
    assert world.client_a.kind == Organisation.Kind.CLIENT
    assert not Event.objects.filter(action="organisation.updated").exists()


def test_events_cannot_be_changed_or_deleted_through_the_orm(world):
    event = event_record(actor=Actor.system("test"), obj=world.client_a, action="test.done")

    event.action = "test.rewritten"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(action="test.rewritten")
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).delete()
    assert Event.objects.get(pk=event.pk).action == "test.done"


def test_the_database_refuses_to_rewrite_an_event(world):
    event = event_record(actor=Actor.system("test"), obj=world.client_a, action="test.done")

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_event SET action = 'forged' WHERE id = %s", [event.pk])

    assert Event.objects.get(pk=event.pk).action == "test.done"


def test_postgres_also_refuses_to_delete_an_event(world, on_postgres):
    if not on_postgres:
        pytest.skip("SQLite keeps DELETE for its test teardown; the ORM still refuses it")
    event = event_record(actor=Actor.system("test"), obj=world.client_a, action="test.done")

    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_event WHERE id = %s", [event.pk])

    assert Event.objects.filter(pk=event.pk).exists()


def test_channel_and_system_actors_are_labelled(world):
    assert Actor.channel("email").label == "email"
    assert Actor.channel("phone", user=world.agent_a).label == "phone:agent.a@provider.example"
    assert Actor.system("sla-sweep").label == "system:sla-sweep"
