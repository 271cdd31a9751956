"""SLA endpoints: business calendars and SLA policies (everyone reads what applies to them;
administrators write)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router

from escalade.api import queries
from escalade.api.auth import actor_of, caller
from escalade.api.directory import administrator
from escalade.api.schemas.sla import (
    CalendarCreateIn,
    CalendarOut,
    CalendarUpdateIn,
    SlaPolicyCreateIn,
    SlaPolicyOut,
    SlaPolicyUpdateIn,
)
from escalade.sla.configuration import (
    business_calendar_save,
    sla_policy_save,
)
from escalade.sla.models import BusinessCalendar, SlaPolicy

router = Router(tags=["sla"])


@router.get("/calendars", response=list[CalendarOut], summary="Business calendars")
def calendar_list(request: HttpRequest) -> QuerySet[BusinessCalendar]:
    return queries.calendars_visible_to(caller(request))


@router.post("/calendars", response={201: CalendarOut}, summary="Add a business calendar")
def calendar_add(request: HttpRequest, payload: CalendarCreateIn) -> BusinessCalendar:
    administrator(request)
    calendar = business_calendar_save(
        actor=actor_of(request), calendar=BusinessCalendar(), values=payload.model_dump()
    )
    return queries.found(BusinessCalendar.objects.prefetch_related("intervals", "closures"), calendar.pk)


@router.patch("/calendars/{calendar_id}", response=CalendarOut, summary="Change a business calendar")
def calendar_change(request: HttpRequest, calendar_id: int, payload: CalendarUpdateIn) -> BusinessCalendar:
    administrator(request)
    calendar = queries.found(BusinessCalendar.objects.all(), calendar_id)
    business_calendar_save(
        actor=actor_of(request), calendar=calendar, values=payload.model_dump(exclude_unset=True)
    )
    return queries.found(BusinessCalendar.objects.prefetch_related("intervals", "closures"), calendar.pk)


@router.get("/sla-policies", response=list[SlaPolicyOut], summary="SLA policies")
def sla_policy_list(request: HttpRequest) -> QuerySet[SlaPolicy]:
    return queries.sla_policies_visible_to(caller(request))


@router.post("/sla-policies", response={201: SlaPolicyOut}, summary="Add an SLA policy")
def sla_policy_add(request: HttpRequest, payload: SlaPolicyCreateIn) -> SlaPolicy:
    administrator(request)
    policy = sla_policy_save(actor=actor_of(request), policy=SlaPolicy(), values=payload.model_dump())
    return queries.found(SlaPolicy.objects.prefetch_related("targets"), policy.pk)


@router.patch("/sla-policies/{policy_id}", response=SlaPolicyOut, summary="Change an SLA policy")
def sla_policy_change(request: HttpRequest, policy_id: int, payload: SlaPolicyUpdateIn) -> SlaPolicy:
    administrator(request)
    policy = queries.found(SlaPolicy.objects.all(), policy_id)
    sla_policy_save(actor=actor_of(request), policy=policy, values=payload.model_dump(exclude_unset=True))
    return queries.found(SlaPolicy.objects.prefetch_related("targets"), policy.pk)
