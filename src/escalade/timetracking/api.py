"""Time tracking endpoints: a ticket's time entries (log, change, delete), a client's entries and hour
packages for a month (what the CSV and XLSX exports hold)."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from escalade import authz
from escalade.api.auth import actor_of, caller
from escalade.api.queries import found, visible_ticket
from escalade.core.errors import NotFoundError, ValidationFailed
from escalade.orgs.models import Organisation
from escalade.timetracking import services
from escalade.timetracking.models import ActivityType, TimeEntry
from escalade.timetracking.selectors import consumption, month_bounds

router = Router(tags=["time"])
PAGE = 200


class TimeEntryOut(Schema):
    id: int
    ticket: str = Field(alias="ticket.reference")
    organisation_id: int
    agent_id: int
    activity: str = Field(alias="activity.code")
    worked_on: dt.date
    minutes: int
    is_billable: bool
    note: str
    package_id: int | None
    billed_minutes: int = Field(description="After the package's rounding")
    drawn_minutes: int = Field(description="Taken from the hour package")
    overage_minutes: int = Field(description="Beyond the package's credit")


class TimeEntryIn(Schema):
    activity: str = Field(..., max_length=40, description="An activity type's code (phone, diagnosis…)")
    minutes: int = Field(..., ge=1, le=1440)
    worked_on: dt.date | None = Field(None, description="Today when omitted")
    is_billable: bool = True
    note: str = Field("", max_length=500)


class TimeEntryChangeIn(Schema):
    activity: str | None = Field(None, max_length=40)
    minutes: int | None = Field(None, ge=1, le=1440)
    worked_on: dt.date | None = None
    is_billable: bool | None = None
    note: str | None = Field(None, max_length=500)


class TimeEntryPage(Schema):
    items: list[TimeEntryOut]
    next_before: int | None = Field(description="Pass as `before` for the next page; null at the end")


class MonthQuery(Schema):
    month: str = Field(..., pattern=r"^(19|20)\d{2}-(0[1-9]|1[0-2])$", description="The month, e.g. 2026-11")


class EntryFilter(MonthQuery):
    before: int | None = Field(None, ge=1, description="Entries with a smaller id (keyset pages)")


class PackageConsumptionOut(Schema):
    package_id: int
    name: str
    contract_name: str
    starts_on: dt.date
    ends_on: dt.date
    available_minutes: int
    consumed_minutes: int = Field(description="Drawn by the month's entries")
    overage_minutes: int = Field(description="Beyond the credit in the month")
    consumed_total_minutes: int
    overage_total_minutes: int
    remaining_minutes: int
    used_percent: int


def _activity(code: str) -> ActivityType:
    activity = ActivityType.objects.filter(code=code, is_active=True).first()
    if activity is None:
        raise ValidationFailed(_("Unknown activity."), field="activity")
    return activity


def _month(month: str) -> tuple[dt.date, dt.date]:
    year, number = month.split("-")
    return month_bounds(dt.date(int(year), int(number), 1))


def _organisation(request: HttpRequest, organisation_id: int) -> Organisation:
    user = caller(request)
    if not authz.can_view_consumption(user, organisation_id):
        raise NotFoundError(_("Not found."))
    return found(authz.organisations_visible_to(user), organisation_id)


def _entries(request: HttpRequest) -> QuerySet[TimeEntry]:
    return authz.time_entries_visible_to(caller(request)).select_related("ticket", "activity")


@router.get("/tickets/{reference}/time-entries", response=list[TimeEntryOut], summary="A ticket's time")
def ticket_time_entries(request: HttpRequest, reference: str) -> QuerySet[TimeEntry]:
    ticket = visible_ticket(caller(request), reference)
    return _entries(request).filter(ticket=ticket).order_by("-worked_on", "-id")


@router.post("/tickets/{reference}/time-entries", response={201: TimeEntryOut}, summary="Log time")
def time_entry_add(request: HttpRequest, reference: str, payload: TimeEntryIn) -> TimeEntry:
    ticket = visible_ticket(caller(request), reference)
    return services.time_entry_create(
        actor=actor_of(request), ticket=ticket, activity=_activity(payload.activity), minutes=payload.minutes,
        worked_on=payload.worked_on, is_billable=payload.is_billable, note=payload.note,
    )  # fmt: skip


@router.patch("/time-entries/{entry_id}", response=TimeEntryOut, summary="Change a time entry")
def time_entry_change(request: HttpRequest, entry_id: int, payload: TimeEntryChangeIn) -> TimeEntry:
    entry = found(_entries(request), entry_id)
    return services.time_entry_update(
        actor=actor_of(request), entry=entry,
        activity=_activity(payload.activity) if payload.activity is not None else entry.activity,
        minutes=payload.minutes if payload.minutes is not None else entry.minutes,
        worked_on=payload.worked_on or entry.worked_on,
        is_billable=payload.is_billable if payload.is_billable is not None else entry.is_billable,
        note=payload.note if payload.note is not None else entry.note,
    )  # fmt: skip


@router.delete("/time-entries/{entry_id}", response={204: None}, summary="Delete a time entry")
def time_entry_remove(request: HttpRequest, entry_id: int) -> Status[None]:
    services.time_entry_delete(actor=actor_of(request), entry=found(_entries(request), entry_id))
    return Status(204, None)


@router.get(
    "/organisations/{organisation_id}/time-entries", response=TimeEntryPage,
    summary="A client's time entries of a month (keyset pages, newest id first)",
)  # fmt: skip
def organisation_time_entries(
    request: HttpRequest, organisation_id: int, filters: Query[EntryFilter]
) -> dict[str, object]:
    organisation = _organisation(request, organisation_id)
    start, end = _month(filters.month)
    entries = _entries(request).filter(organisation=organisation, worked_on__range=(start, end))
    if filters.before is not None:
        entries = entries.filter(pk__lt=filters.before)
    page = list(entries.order_by("-id")[: PAGE + 1])
    more = len(page) > PAGE
    return {"items": page[:PAGE], "next_before": page[PAGE - 1].pk if more else None}


@router.get(
    "/organisations/{organisation_id}/consumption", response=list[PackageConsumptionOut],
    summary="A client's hour packages over a month",
)  # fmt: skip
def organisation_consumption(
    request: HttpRequest, organisation_id: int, filters: Query[MonthQuery]
) -> list[dict[str, object]]:
    organisation = _organisation(request, organisation_id)
    start, end = _month(filters.month)
    return [
        {**row.__dict__, "used_percent": row.used_percent}
        for row in consumption(organisation=organisation, period_start=start, period_end=end)
    ]
