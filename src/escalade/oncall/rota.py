"""Who is on call: pure arithmetic over a schedule's layers, overrides and absences.

Shifts are counted in wall-clock time of the schedule's zone from the layer's first hand-off, so a
09:00 hand-off stays at 09:00 across daylight-saving changes. At a moment: an override covering it
wins; else the highest layer with someone: its person of the shift, or, if that person is absent,
the next one of the layer who is not.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from escalade.accounts.models import User
from escalade.oncall.models import Absence, Layer, Override, Schedule


@dataclass(frozen=True)
class Shift:
    """Someone on call from ``start`` to ``end`` (``layer``: the layer's or the override's name)."""

    user: User
    start: dt.datetime
    end: dt.datetime
    layer: str


@dataclass
class Rota:
    """A schedule with everything needed to answer "who, when" without another query."""

    schedule: Schedule
    layers: list[tuple[Layer, list[User]]] = field(default_factory=list)
    overrides: list[Override] = field(default_factory=list)
    absences: dict[int, list[Absence]] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.schedule.time_zone)


def _naive(moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def _aware(wall: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return wall.replace(tzinfo=zone)


def shift_index(layer: Layer, moment: dt.datetime, zone: ZoneInfo) -> int | None:
    """The number of the layer's shift at ``moment`` (0: the first), None before the layer starts."""
    first = dt.datetime.combine(layer.starts_on, layer.handoff_time)
    wall = _naive(moment, zone)
    if wall < first:
        return None
    return int((wall - first) / layer.shift_length)


def shift_bounds(layer: Layer, index: int, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    first = dt.datetime.combine(layer.starts_on, layer.handoff_time)
    start = first + layer.shift_length * index
    return _aware(start, zone), _aware(start + layer.shift_length, zone)


def _absent(rota: Rota, user: User, moment: dt.datetime) -> bool:
    return any(a.starts_at <= moment < a.ends_at for a in rota.absences.get(user.pk, ()))


def layer_person(rota: Rota, layer: Layer, members: Sequence[User], moment: dt.datetime) -> User | None:
    """The layer's person at ``moment``: the shift's, or the next present one if they are absent."""
    if not members:
        return None
    index = shift_index(layer, moment, rota.zone)
    if index is None:
        return None
    for step in range(len(members)):
        person = members[(index + step) % len(members)]
        if not _absent(rota, person, moment):
            return person
    return None


def on_call_at(rota: Rota, moment: dt.datetime) -> tuple[User, str] | None:
    """Who is on call at ``moment``, and through which layer or override; None: nobody."""
    for override in rota.overrides:
        if override.starts_at <= moment < override.ends_at:
            return override.user, override.reason or "override"
    for layer, members in rota.layers:
        person = layer_person(rota, layer, members, moment)
        if person is not None:
            return person, layer.name
    return None


def _boundaries(rota: Rota, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    moments = {start}
    zone = rota.zone
    for layer, _members in rota.layers:
        index = shift_index(layer, start, zone)
        index = 0 if index is None else index
        while True:
            begin, _finish = shift_bounds(layer, index, zone)
            if begin >= end:
                break
            if begin > start:
                moments.add(begin)
            index += 1
    spans: list[Override | Absence] = [*rota.overrides]
    spans += [absence for absences in rota.absences.values() for absence in absences]
    for item in spans:
        moments.update(m for m in (item.starts_at, item.ends_at) if start < m < end)
    return sorted(moments)


def shifts_between(rota: Rota, start: dt.datetime, end: dt.datetime) -> list[Shift]:
    """The shifts from ``start`` to ``end``, cut at every hand-off, override and absence, consecutive
    stretches of one person (through one layer) merged."""
    moments = [*_boundaries(rota, start, end), end]
    shifts: list[Shift] = []
    for begin, finish in itertools.pairwise(moments):
        found = on_call_at(rota, begin)
        if found is None:
            continue
        user, layer = found
        last = shifts[-1] if shifts else None
        if last is not None and last.user.pk == user.pk and last.layer == layer and last.end == begin:
            shifts[-1] = Shift(user=user, start=last.start, end=finish, layer=layer)
        else:
            shifts.append(Shift(user=user, start=begin, end=finish, layer=layer))
    return shifts
