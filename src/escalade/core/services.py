"""Writes of the core app: recording events, claiming periodic ticks, worker heartbeats."""

from __future__ import annotations

import datetime as dt
import os
import socket
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast
from uuid import UUID

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.models import Event, ScheduledTick, WorkerHeartbeat

JSONValue = str | int | float | bool | None | list[Any] | dict[str, Any]


def json_value(value: object) -> JSONValue:  # noqa: PLR0911 - one return per kind of value
    """Turn a model field value into something the JSON ``changes`` column keeps faithfully."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, models.Model):
        return cast("int", value.pk)
    if isinstance(value, Iterable):
        return [json_value(item) for item in value]
    return str(value)


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, JSONValue]:
    """The current values of ``fields`` (foreign keys as their ids), ready for :func:`changes_between`."""
    values: dict[str, JSONValue] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        if field.many_to_many:
            values[name] = sorted(getattr(instance, name).values_list("pk", flat=True))
        elif field.is_relation:
            values[name] = getattr(instance, f"{name}_id")
        else:
            values[name] = json_value(getattr(instance, name))
    return values


def changes_between(
    before: Mapping[str, JSONValue], after: Mapping[str, JSONValue]
) -> dict[str, dict[str, JSONValue]]:
    """The fields whose values differ, as ``{field: {"from": old, "to": new}}``."""
    return {
        name: {"from": before.get(name), "to": value}
        for name, value in after.items()
        if before.get(name) != value
    }


def validate_instance(instance: models.Model) -> None:
    """Run the model's validation; raise :class:`ValidationFailed` naming the first bad field."""
    try:
        instance.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ValidationFailed(" ".join(messages), field=None if field == "__all__" else field) from error


def fields_check(values: Mapping[str, Any], *, allowed: Iterable[str]) -> None:
    """Refuse a change to a field outside ``allowed``, naming the first such field."""
    unknown = set(values) - set(allowed)
    if unknown:
        raise ValidationFailed(f"cannot change {', '.join(sorted(unknown))}", field=min(unknown))


def fields_assign(instance: models.Model, *, values: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Set ``values`` on ``instance`` after :func:`fields_check`."""
    fields_check(values, allowed=allowed)
    for name, value in values.items():
        setattr(instance, name, value)


def event_build(
    *,
    actor: Actor,
    obj: models.Model,
    action: str,
    changes: Mapping[str, dict[str, JSONValue]] | None = None,
    data: Mapping[str, JSONValue] | None = None,
    organisation_id: int | None = None,
) -> Event:
    """One event about ``obj``, not yet saved: :func:`event_record` saves one, callers writing many
    events at once save them with ``Event.objects.bulk_create``."""
    return Event(
        occurred_at=timezone.now(),  # read at call time, so a frozen clock (demo, import, tests) applies
        actor_kind=actor.kind,
        actor=actor.user,
        actor_label=actor.label[:200],
        source_ip=actor.source_ip,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=True),
        object_id=obj.pk,
        object_repr=str(obj)[:200],
        organisation_id=organisation_id,
        action=action,
        changes=dict(changes or {}),
        data=dict(data or {}),
    )


def event_record(
    *,
    actor: Actor,
    obj: models.Model,
    action: str,
    changes: Mapping[str, dict[str, JSONValue]] | None = None,
    data: Mapping[str, JSONValue] | None = None,
    organisation_id: int | None = None,
) -> Event:
    """Append one event about ``obj`` to the log, inside the caller's transaction."""
    event = event_build(
        actor=actor, obj=obj, action=action, changes=changes, data=data, organisation_id=organisation_id
    )
    event.save(force_insert=True)
    return event


def worker_name() -> str:
    """This process's name in heartbeats and tick claims: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def tick_claim(*, job: str, tick: dt.datetime) -> bool:
    """Claim ``job`` for ``tick``; True for exactly one caller across all workers and machines."""
    try:
        with transaction.atomic():
            ScheduledTick.objects.create(job=job, tick=tick, worker=worker_name())
    except IntegrityError:
        return False
    return True


def scheduled_tick_prune(*, older_than: dt.timedelta) -> int:
    """Forget tick claims older than ``older_than``; they only matter around their own minute."""
    deleted, _ = ScheduledTick.objects.filter(claimed_at__lt=timezone.now() - older_than).delete()
    return deleted


def worker_heartbeat_record() -> WorkerHeartbeat:
    """Note that this worker process is alive and running tasks."""
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        worker=worker_name(),
        defaults={
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "last_seen": timezone.now(),
        },
    )
    return heartbeat


@dataclass(frozen=True)
class ChildRows:
    """Rows owned by the object and replaced as a whole (a calendar's intervals, a policy's targets)."""

    name: str
    read: Callable[[Any], JSONValue]
    replace: Callable[[Any], None]


def _state(instance: models.Model, fields: Sequence[str], rows: Sequence[ChildRows]) -> dict[str, JSONValue]:
    values = snapshot(instance, fields)
    for child in rows:
        values[child.name] = child.read(instance)
    return values


@transaction.atomic
def configuration_save[M: models.Model](
    *,
    actor: Actor,
    instance: M,
    fields: Sequence[str],
    values: Mapping[str, Any],
    related: Mapping[str, Iterable[models.Model]] | None = None,
    rows: ChildRows | Sequence[ChildRows] | None = None,
    via: str = "api",
) -> M:
    """Create or change a configuration object (a category, a team, a calendar, a policy): ``values``
    by attribute, ``related`` many-to-many sets, ``rows`` (one kind or several) replaced as a whole;
    validate, save, and record ``<model>.created`` or ``<model>.updated`` with the fields that changed,
    in one transaction."""
    creating = instance._state.adding
    rows = [] if rows is None else [rows] if isinstance(rows, ChildRows) else list(rows)
    before = {} if creating else _state(instance, fields, rows)
    for name, value in values.items():
        setattr(instance, name, value)
    validate_instance(instance)
    instance.save()
    for name, objects in (related or {}).items():
        getattr(instance, name).set(list(objects))
    for child in rows:
        child.replace(instance)
    changes = changes_between(before, _state(instance, fields, rows))
    if creating or changes:
        event_record(
            actor=actor,
            obj=instance,
            action=f"{instance._meta.model_name}.{'created' if creating else 'updated'}",
            changes=changes,
            data={"via": via},
        )
    return instance
