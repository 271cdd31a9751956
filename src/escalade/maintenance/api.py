"""Maintenance endpoints: the occurrences a person sees (provider staff: the clients they serve; a
client manager: their company's, read-only), and submitting a checklist (staff serving the client)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from escalade import authz
from escalade.api.auth import actor_of, caller
from escalade.api.queries import found
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.core.text import BIGINT_MAX
from escalade.maintenance import selectors, services
from escalade.maintenance.models import MaintenanceOccurrence, OccurrenceState, Outcome

router = Router(tags=["maintenance"])


class AnswerOut(Schema):
    position: int
    label: str
    outcome: str = Field(description="pass, fail, na, or empty when not answered yet")
    note: str
    evidence_id: int | None


class OccurrenceOut(Schema):
    id: int
    plan_id: int
    plan_name: str
    organisation_id: int
    scheduled_for: dt.datetime
    due_at: dt.datetime
    state: OccurrenceState
    ticket_reference: str | None
    incident_reference: str | None
    completed_at: dt.datetime | None
    answers: list[AnswerOut]


class OccurrencePageOut(Schema):
    items: list[OccurrenceOut]
    before: int | None = Field(description="Pass as ?before= for the next (older) page; null at the end")


class OccurrenceListIn(Schema):
    organisation_id: int | None = None
    state: OccurrenceState | None = None
    before: int | None = Field(None, ge=1)
    limit: int = Field(50, ge=1, le=200)


class AnswerIn(Schema):
    position: int = Field(ge=1, le=1000)
    outcome: Outcome
    note: str = Field("", max_length=4000)


class ChecklistIn(Schema):
    answers: list[AnswerIn] = Field(max_length=1000)
    complete: bool = Field(default=False, description="Complete the check: every step must be answered")


def _in_range(value: int | None, *, field: str) -> None:
    if value is not None and not 1 <= value <= BIGINT_MAX:
        raise ValidationFailed(_("This number is out of range."), field=field)


def _out(occurrence: MaintenanceOccurrence) -> OccurrenceOut:
    return OccurrenceOut(
        id=occurrence.pk,
        plan_id=occurrence.plan_id,
        plan_name=occurrence.plan.name,
        organisation_id=occurrence.organisation_id,
        scheduled_for=occurrence.scheduled_for,
        due_at=occurrence.due_at,
        state=OccurrenceState(occurrence.state),
        ticket_reference=occurrence.ticket.reference if occurrence.ticket else None,
        incident_reference=occurrence.incident.reference if occurrence.incident else None,
        completed_at=occurrence.completed_at,
        answers=[
            AnswerOut(
                position=a.position, label=a.label, outcome=a.outcome, note=a.note, evidence_id=a.evidence_id
            )
            for a in occurrence.answers.all()
        ],
    )


def _visible(request: HttpRequest) -> Any:
    user = caller(request)
    if not selectors.organisation_ids_of(user):
        raise PermissionDeniedError(_("Only the provider's staff and client managers see maintenance."))
    return selectors.occurrences_visible_to(user).select_related("plan", "ticket", "incident")


@router.get(
    "/maintenance/occurrences", response=OccurrencePageOut, summary="Maintenance occurrences, newest first"
)
def occurrence_list(request: HttpRequest, filters: Query[OccurrenceListIn]) -> dict[str, Any]:
    _in_range(filters.before, field="before")
    _in_range(filters.organisation_id, field="organisation_id")
    rows = _visible(request).prefetch_related("answers").order_by("-id")
    if filters.organisation_id is not None:
        rows = rows.filter(organisation_id=filters.organisation_id)
    if filters.state is not None:
        rows = rows.filter(state=filters.state)
    if filters.before is not None:
        rows = rows.filter(pk__lt=filters.before)
    page = list(rows[: filters.limit])
    before = page[-1].pk if len(page) == filters.limit else None
    return {"items": [_out(occurrence) for occurrence in page], "before": before}


@router.post(
    "/maintenance/occurrences/{occurrence_id}/checklist", response=OccurrenceOut, summary="Answer a checklist"
)
def checklist_submit(request: HttpRequest, occurrence_id: int, payload: ChecklistIn) -> OccurrenceOut:
    _in_range(occurrence_id, field="occurrence_id")
    user = caller(request)
    if not authz.is_provider_staff(user):
        raise PermissionDeniedError(_("Only the provider's staff answer checklists."))
    occurrence = found(_visible(request), occurrence_id)
    answers = [
        services.StepInput(position=answer.position, outcome=answer.outcome, note=answer.note)
        for answer in payload.answers
    ]
    services.checklist_submit(
        actor=actor_of(request), occurrence=occurrence, answers=answers, complete=payload.complete
    )
    return _out(found(_visible(request).prefetch_related("answers"), occurrence_id))
