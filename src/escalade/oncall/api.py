"""On-call endpoints (provider staff): who is on call now and next, open pages, acknowledging one."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from escalade import authz
from escalade.accounts.models import User
from escalade.api.auth import actor_of, caller
from escalade.api.queries import found
from escalade.core.errors import PermissionDeniedError
from escalade.oncall import selectors, services
from escalade.oncall.models import Paging
from escalade.oncall.rota import Shift

router = Router(tags=["on-call"])


class ShiftOut(Schema):
    user_id: int
    user_name: str
    start: dt.datetime
    end: dt.datetime
    layer: str = Field(description="The layer's name, or the override's reason")


class OnCallOut(Schema):
    schedule_id: int
    schedule_name: str
    time_zone: str
    now: ShiftOut | None = Field(description="None: nobody is on call now")
    next: ShiftOut | None


class PagingOut(Schema):
    id: int
    ticket_id: int
    ticket_reference: str
    reason: str
    level: int = Field(description="0: the first level of the policy")
    round: int
    created_at: dt.datetime
    next_escalation_at: dt.datetime | None
    acknowledged_at: dt.datetime | None
    acknowledged_by_id: int | None


def _staff(request: HttpRequest) -> User:
    user = caller(request)
    if not authz.can_view_oncall(user):
        raise PermissionDeniedError(_("Only the provider's staff see the on-call rota."))
    return user


def _shift(shift: Shift | None) -> ShiftOut | None:
    if shift is None:
        return None
    name = shift.user.full_name or shift.user.email
    return ShiftOut(
        user_id=shift.user.pk, user_name=name, start=shift.start, end=shift.end, layer=shift.layer
    )


@router.get("/oncall/now", response=list[OnCallOut], summary="Who is on call now and next, per schedule")
def oncall_now(request: HttpRequest) -> list[OnCallOut]:
    _staff(request)
    return [
        OnCallOut(
            schedule_id=row.schedule.pk,
            schedule_name=row.schedule.name,
            time_zone=row.schedule.time_zone,
            now=_shift(row.current),
            next=_shift(row.next),
        )
        for row in selectors.on_call_now()
    ]


def _pagings(user: User) -> list[Paging]:
    visible = authz.tickets_visible_to(user).values("pk")
    return list(selectors.pagings_open().filter(ticket__in=visible)[:200])


def _out(paging: Paging) -> PagingOut:
    return PagingOut(
        id=paging.pk, ticket_id=paging.ticket_id, ticket_reference=paging.ticket.reference,
        reason=paging.reason, level=paging.level, round=paging.round, created_at=paging.created_at,
        next_escalation_at=paging.next_escalation_at, acknowledged_at=paging.acknowledged_at,
        acknowledged_by_id=paging.acknowledged_by_id,
    )  # fmt: skip


@router.get(
    "/oncall/pagings", response=list[PagingOut], summary="Incidents being paged (of the tickets you see)"
)
def paging_list(request: HttpRequest) -> list[PagingOut]:
    return [_out(paging) for paging in _pagings(_staff(request))]


@router.post("/oncall/pagings/{paging_id}/acknowledge", response=PagingOut, summary="Acknowledge a page")
def paging_acknowledge(request: HttpRequest, paging_id: int) -> PagingOut:
    user = _staff(request)
    visible = authz.tickets_visible_to(user).values("pk")
    paging = found(selectors.pagings_open().filter(ticket__in=visible), paging_id)
    paging = services.paging_acknowledge(actor=actor_of(request), paging=paging)
    return _out(paging)
