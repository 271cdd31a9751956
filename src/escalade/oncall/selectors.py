"""Reads of the on-call app: rotas, who is on call now and next, open pagings, the workload report."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.accounts.models import User
from escalade.core.models import Event
from escalade.oncall.models import Absence, Layer, LayerMember, Override, Page, Paging, Schedule
from escalade.oncall.rota import Rota, Shift, on_call_at, shifts_between

PAGE_ACTIONS = ("ticket.paged", "ticket.page_acknowledged", "ticket.page_escalated", "ticket.paging_ended")
LOOK_AHEAD = dt.timedelta(days=35)
NIGHT_STARTS = 12  # hours: a page belongs to the night of the day 12 hours earlier (noon to noon)


def rotas_load(*, schedules: Iterable[Schedule], start: dt.datetime, end: dt.datetime) -> list[Rota]:
    """Rotas for ``schedules`` with the layers, members, overrides and absences from ``start`` to
    ``end``: four queries whatever the number of schedules."""
    schedules = list(schedules)
    ids = [schedule.pk for schedule in schedules]
    members = Prefetch(
        "members", queryset=LayerMember.objects.select_related("user").order_by("position", "id")
    )
    layers = list(
        Layer.objects.filter(schedule_id__in=ids).prefetch_related(members).order_by("-position", "id")
    )
    overrides = list(
        Override.objects.filter(schedule_id__in=ids, ends_at__gt=start, starts_at__lt=end).select_related(
            "user"
        )
    )
    people = {member.user_id for layer in layers for member in layer.members.all()}
    absences: dict[int, list[Absence]] = defaultdict(list)
    for absence in Absence.objects.filter(user_id__in=people, ends_at__gt=start, starts_at__lt=end):
        absences[absence.user_id].append(absence)
    rotas = []
    for schedule in schedules:
        rota = Rota(schedule=schedule, absences=absences)
        rota.layers = [
            (layer, [member.user for member in layer.members.all()])
            for layer in layers
            if layer.schedule_id == schedule.pk
        ]
        rota.overrides = [override for override in overrides if override.schedule_id == schedule.pk]
        rotas.append(rota)
    return rotas


def rota_of(*, schedule: Schedule, start: dt.datetime, end: dt.datetime) -> Rota:
    [rota] = rotas_load(schedules=[schedule], start=start, end=end)
    return rota


def on_call_user(*, schedule: Schedule, at: dt.datetime | None = None) -> User | None:
    """Who answers for ``schedule`` at ``at`` (now by default)."""
    at = at or timezone.now()
    found = on_call_at(rota_of(schedule=schedule, start=at, end=at + dt.timedelta(seconds=1)), at)
    return found[0] if found else None


@dataclass(frozen=True)
class OnCallNow:
    """A schedule, the shift running now and the next one (another person or after a gap)."""

    schedule: Schedule
    current: Shift | None
    next: Shift | None


def on_call_now(
    *, schedules: Sequence[Schedule] | None = None, at: dt.datetime | None = None
) -> list[OnCallNow]:
    """Who is on call now and next in each schedule (all of them by default)."""
    at = at or timezone.now()
    chosen = list(schedules) if schedules is not None else list(Schedule.objects.order_by("name", "id"))
    answer = []
    for rota in rotas_load(schedules=chosen, start=at, end=at + LOOK_AHEAD):
        shifts = shifts_between(rota, at, at + LOOK_AHEAD)
        current = shifts[0] if shifts and shifts[0].start <= at else None
        upcoming = [shift for shift in shifts if shift.start > at]
        answer.append(
            OnCallNow(schedule=rota.schedule, current=current, next=upcoming[0] if upcoming else None)
        )
    return answer


def shifts_of_user(*, user: User, start: dt.datetime, end: dt.datetime) -> list[tuple[Schedule, Shift]]:
    """A person's shifts in every schedule they take part in (layers or overrides)."""
    ids = set(LayerMember.objects.filter(user=user).values_list("layer__schedule_id", flat=True))
    ids |= set(Override.objects.filter(user=user, ends_at__gt=start).values_list("schedule_id", flat=True))
    rotas = rotas_load(schedules=Schedule.objects.filter(pk__in=ids).order_by("name"), start=start, end=end)
    return [
        (rota.schedule, shift)
        for rota in rotas
        for shift in shifts_between(rota, start, end)
        if shift.user.pk == user.pk
    ]


def pagings_open(*, ticket_ids: Sequence[int] | None = None) -> QuerySet[Paging]:
    rows = Paging.objects.filter(closed_at__isnull=True).select_related("ticket", "policy", "acknowledged_by")
    if ticket_ids is not None:
        rows = rows.filter(ticket_id__in=ticket_ids)
    return rows.order_by("-id")


# ---------------------------------------------------------------- the workload report


@dataclass(frozen=True)
class PersonLoad:
    """Pages of one person over a period: how many, how many nights, median/mean time to acknowledge."""

    user: User
    pages: int
    nights: int
    pages_by_night: dict[dt.date, int]
    acknowledged: int
    mean_ack_seconds: float | None


def night_of(moment: dt.datetime, zone: ZoneInfo) -> dt.date:
    """The night a moment belongs to, named by its evening's date (02:00 Sunday: Saturday's night)."""
    return (moment.astimezone(zone) - dt.timedelta(hours=NIGHT_STARTS)).date()


def workload(*, start: dt.datetime, end: dt.datetime, time_zone: str = "Europe/Paris") -> list[PersonLoad]:
    """Pages per person and per night, and time to acknowledge (the pages a person acknowledged),
    for the monthly review. Two queries."""
    zone = ZoneInfo(time_zone)
    pages = Page.objects.filter(created_at__gte=start, created_at__lt=end).select_related("user", "paging")
    by_user: dict[int, list[Page]] = defaultdict(list)
    for page in pages.order_by("created_at"):
        by_user[page.user_id].append(page)
    loads = []
    for items in by_user.values():
        nights: dict[dt.date, int] = defaultdict(int)
        for page in items:
            nights[night_of(page.created_at, zone)] += 1
        delays = [
            (page.paging.acknowledged_at - page.created_at).total_seconds()
            for page in items
            if page.paging.acknowledged_by_id == page.user_id and page.paging.acknowledged_at is not None
        ]
        loads.append(
            PersonLoad(
                user=items[0].user, pages=len(items), nights=len(nights), pages_by_night=dict(nights),
                acknowledged=len(delays), mean_ack_seconds=sum(delays) / len(delays) if delays else None,
            )
        )  # fmt: skip
    return sorted(loads, key=lambda load: (-load.pages, load.user.email))


def page_event_label(event: Event) -> str:
    """The timeline's line for a ``ticket.page*`` event, in the reader's language."""
    data = event.data
    values = {
        "who": data.get("user_label", ""),
        "level": int(data.get("level", 0)) + 1,
        # Reasons are stored in English (gettext_noop) and read in the reader's language.
        "reason": _(data["reason"]) if data.get("reason") else "",
    }
    if event.action == "ticket.paged":
        return _("Paged %(who)s (level %(level)s): %(reason)s") % values
    if event.action == "ticket.page_acknowledged":
        return _("Page acknowledged by %(who)s") % values
    if event.action == "ticket.page_escalated":
        return _("No acknowledgement: escalated to level %(level)s") % values
    return _("Paging ended: %(reason)s") % values
