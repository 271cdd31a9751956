"""The bulk writer behind `escalade generate` and `escalade import` stores what the ORM would store."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from escalade.core.models import Event
from escalade.generator.writer import BulkWriter
from escalade.tickets.models import Ticket

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def _comparable(value: object) -> object:
    return getattr(value, "obj", value)  # psycopg's Jsonb wrapper: compare what it wraps


def _rows(writer: BulkWriter, values: dict[str, object]) -> tuple[list[object], list[object]]:
    orm = [
        field.get_db_prep_save(
            values[field.attname] if field.attname in values else field.get_default(), connection
        )
        for field in writer.fields
    ]
    return [_comparable(value) for value in writer._row(values)], [_comparable(value) for value in orm]


def _ticket_values(world, **values: object) -> dict[str, object]:
    requester = world.requester_a
    return {
        "id": 10_000_001,
        "reference": "ESC-2026-999999",
        "title": "Imprimante",
        "requester_id": requester.pk,
        "organisation_id": requester.organisation_id,
        "created_at": dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.UTC),
        "updated_at": dt.datetime(2026, 3, 29, 4, 30, tzinfo=PARIS),
        "state_changed_at": dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.UTC),  # a default read at call time
        **values,
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    title=st.text(max_size=40),
    priority=st.integers(min_value=1, max_value=5),
    out=st.booleans(),
    fields=st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.integers(), st.text(max_size=5))),
    zone=st.sampled_from([dt.UTC, PARIS, ZoneInfo("America/Cayenne")]),
)
def test_prepared_ticket_rows_equal_the_orms(world, title, priority, out, fields, zone):  # noqa: PLR0917
    writer = BulkWriter(Ticket)
    values = _ticket_values(
        world,
        title=title,
        priority=priority,
        is_out_of_contract=out,
        custom_fields=fields,
        resolved_at=dt.datetime(2026, 10, 25, 2, 30, tzinfo=zone),
        team_id=None,
    )
    fast, orm = _rows(writer, values)
    assert fast == orm


def test_written_rows_read_back_as_the_orm_writes_them(world):
    """Defaults (callable or not), JSON, booleans, aware datetimes in any zone, foreign keys, nulls."""
    writer = BulkWriter(Ticket)
    values = _ticket_values(world, custom_fields={"poste": "PC-42", "n": 3}, is_out_of_contract=True)
    ticket_id = values["id"] = writer.next_id()
    writer.write([values])
    events = BulkWriter(Event)
    event_id = events.next_id()
    event = {
        "id": event_id,
        "occurred_at": dt.datetime(2026, 1, 1, 12, tzinfo=PARIS),
        "actor_kind": "system",
        "actor_label": "system:test",
        "content_type_id": ContentType.objects.get_for_model(Ticket).pk,
        "object_id": ticket_id,
        "action": "ticket.created",
        "changes": {"state": {"from": None, "to": "new"}},
        "data": {},
    }
    events.write([event])
    ticket = Ticket.objects.get(pk=ticket_id)
    assert ticket.custom_fields == {"poste": "PC-42", "n": 3}
    assert ticket.is_out_of_contract is True
    assert ticket.created_at == dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.UTC)
    assert ticket.updated_at == dt.datetime(2026, 3, 29, 2, 30, tzinfo=dt.UTC)
    assert ticket.team_id is None
    assert ticket.state == Ticket._meta.get_field("state").get_default()
    stored = Event.objects.get(pk=event_id)
    assert stored.changes == {"state": {"from": None, "to": "new"}}
    assert stored.occurred_at == dt.datetime(2026, 1, 1, 11, tzinfo=dt.UTC)
    assert stored.source_ip is None


def test_rows_prepared_by_columns_equal_rows_prepared_one_by_one(world):
    """The importer's path (values in a named order, checked column by column) prepares what the
    generator's does, for values stored as they are and values the fields convert (naive and aware
    datetimes in any zone, a choice member, JSON, a boolean) alike; defaults are filled in the same."""
    writer = BulkWriter(Ticket)
    rows = [
        _ticket_values(world, id=1, custom_fields={"poste": "PC-42"}, kind="request"),
        _ticket_values(
            world, id=2, resolved_at=dt.datetime(2026, 3, 29, 4, 30, tzinfo=PARIS), is_out_of_contract=True
        ),
        _ticket_values(world, id=3, kind=Ticket._meta.get_field("kind").get_default(), custom_fields={}),
    ]
    names = sorted({name for values in rows for name in values})
    full = [{name: values.get(name) for name in names} for values in rows]
    for values in full:
        values["custom_fields"] = values["custom_fields"] or {}
        values["kind"] = values["kind"] or "incident"
        values["is_out_of_contract"] = bool(values["is_out_of_contract"])

    by_columns = writer.prepare_columns(names, [[values[name] for name in names] for values in full])

    one_by_one = writer.prepare(full)
    assert [[_comparable(value) for value in row] for row in by_columns] == [
        [_comparable(value) for value in row] for row in one_by_one
    ]
    assert len(by_columns[0]) == len(writer.fields)


def test_raw_columns_are_stored_as_given(world):
    """JSON given as its text (the importer writes its events' JSON once a state, not once a row)."""
    events = BulkWriter(Event)
    event_id = events.next_id()
    names = (
        "id",
        "occurred_at",
        "actor_kind",
        "actor_label",
        "content_type_id",
        "object_id",
        "action",
        "changes",
    )
    changes = '{"state": {"from": null, "to": "new"}}'
    row = (event_id, dt.datetime(2026, 1, 1, 12, tzinfo=PARIS), "system", "system:test",
           ContentType.objects.get_for_model(Ticket).pk, 1, "ticket.created", changes)  # fmt: skip

    events.write_rows(events.prepare_columns(names, [row], raw={"changes"}))

    stored = Event.objects.get(pk=event_id)
    assert (stored.changes, stored.data) == ({"state": {"from": None, "to": "new"}}, {})
    assert stored.occurred_at == dt.datetime(2026, 1, 1, 11, tzinfo=dt.UTC)
