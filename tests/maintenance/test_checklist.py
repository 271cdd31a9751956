"""The checklist of an occurrence: answers with evidence, completion, and the incident of a failed or
missed check (linked to the occurrence, escalating like any ticket)."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
from django.utils import translation

from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from escalade.maintenance.models import MaintenanceOccurrence, OccurrenceState, Outcome
from escalade.maintenance.services import (
    StepInput,
    checklist_submit,
    occurrences_generate,
    occurrences_mark_missed,
)
from escalade.tickets.choices import Kind, LinkKind, State
from escalade.tickets.models import Attachment, TicketLink
from tests.maintenance.conftest import MONDAY


@pytest.fixture
def occurrence(make_plan) -> MaintenanceOccurrence:
    make_plan(lead_days=1)
    occurrences_generate(now=MONDAY)
    return MaintenanceOccurrence.objects.select_related("ticket", "plan").get()


def _answers(*outcomes: str, evidence: bool = False) -> list[StepInput]:
    return [
        StepInput(
            position=position,
            outcome=outcome,
            note=f"note {position}",
            evidence=io.BytesIO(b"backup job 2026-11-23: 0 error\n") if evidence and position == 1 else None,
            evidence_name="backup-report.txt" if evidence and position == 1 else "",
        )
        for position, outcome in enumerate(outcomes, start=1)
    ]


def test_a_passed_check_is_done_with_its_evidence_and_resolves_its_ticket(occurrence, world) -> None:
    checklist_submit(
        actor=Actor.of(world.agent_a),
        occurrence=occurrence,
        answers=_answers(Outcome.PASS, Outcome.PASS, Outcome.NOT_APPLICABLE, evidence=True),
        complete=True,
    )
    occurrence.refresh_from_db()
    assert (occurrence.state, occurrence.completed_by, occurrence.incident) == (
        OccurrenceState.DONE,
        world.agent_a,
        None,
    )
    answer = occurrence.answers.get(position=1)
    assert answer.evidence is not None
    assert (answer.evidence.ticket_id, answer.evidence.filename, answer.evidence.content_type) == (
        occurrence.ticket_id,
        "backup-report.txt",
        "text/plain",
    )
    assert occurrence.ticket is not None
    occurrence.ticket.refresh_from_db()
    assert occurrence.ticket.state == State.RESOLVED


def test_a_failed_step_opens_an_incident_linked_to_the_occurrence(occurrence, world) -> None:
    checklist_submit(
        actor=Actor.of(world.agent_a),
        occurrence=occurrence,
        answers=_answers(Outcome.FAIL, Outcome.PASS, Outcome.PASS),
        complete=True,
    )
    occurrence.refresh_from_db()
    incident = occurrence.incident
    assert occurrence.state == OccurrenceState.FAILED
    assert incident is not None
    assert (incident.kind, incident.organisation, incident.requester, incident.state) == (
        Kind.INCIDENT,
        world.client_a,
        world.manager_a,
        State.ASSIGNED,
    )
    # The client's SLA applies: the incident escalates like any ticket.
    assert incident.resolution_due is not None
    assert "Check last night's backup report" in incident.title
    assert TicketLink.objects.filter(
        source=incident, target=occurrence.ticket, kind=LinkKind.RELATED_TO
    ).exists()


def test_the_incident_title_is_in_the_client_contacts_language(make_plan, world) -> None:
    world.manager_a.language = "fr"
    world.manager_a.save()
    make_plan(lead_days=1)
    occurrences_generate(now=MONDAY)
    occurrence = MaintenanceOccurrence.objects.get()
    with translation.override("en"):
        checklist_submit(
            actor=Actor.of(world.agent_a),
            occurrence=occurrence,
            answers=_answers(Outcome.FAIL, Outcome.PASS, Outcome.PASS),
            complete=True,
        )
    occurrence.refresh_from_db()
    assert occurrence.incident is not None
    assert "Échec" in occurrence.incident.title


def test_completing_needs_every_step_answered(occurrence, world) -> None:
    with pytest.raises(ValidationFailed):
        checklist_submit(
            actor=Actor.of(world.agent_a),
            occurrence=occurrence,
            answers=_answers(Outcome.PASS),
            complete=True,
        )
    occurrence.refresh_from_db()
    assert occurrence.state == OccurrenceState.SCHEDULED


def test_saving_without_completing_keeps_the_check_open(occurrence, world) -> None:
    checklist_submit(actor=Actor.of(world.agent_a), occurrence=occurrence, answers=_answers(Outcome.PASS))
    occurrence.refresh_from_db()
    assert occurrence.state == OccurrenceState.SCHEDULED
    assert occurrence.answers.get(position=1).outcome == Outcome.PASS


def test_a_completed_check_cannot_be_answered_again(occurrence, world) -> None:
    answers = _answers(Outcome.PASS, Outcome.PASS, Outcome.PASS)
    checklist_submit(actor=Actor.of(world.agent_a), occurrence=occurrence, answers=answers, complete=True)
    with pytest.raises(ConflictError):
        checklist_submit(actor=Actor.of(world.agent_a), occurrence=occurrence, answers=answers, complete=True)


def test_an_agent_of_another_client_cannot_answer(occurrence, world) -> None:
    with pytest.raises(PermissionDeniedError):
        checklist_submit(actor=Actor.of(world.agent_b), occurrence=occurrence, answers=_answers(Outcome.FAIL))
    assert not occurrence.answers.exclude(outcome="").exists()
    assert not Attachment.objects.exists()


def test_a_check_not_done_by_its_due_time_is_missed_and_opens_an_incident(occurrence) -> None:
    assert occurrences_mark_missed(now=occurrence.due_at - dt.timedelta(minutes=1)) == 0
    with mock.patch("django.utils.timezone.now", return_value=occurrence.due_at + dt.timedelta(minutes=5)):
        assert occurrences_mark_missed() == 1
        assert occurrences_mark_missed() == 0  # once
    occurrence.refresh_from_db()
    assert occurrence.state == OccurrenceState.MISSED
    assert occurrence.incident is not None
    assert occurrence.incident.kind == Kind.INCIDENT


def test_a_missed_check_may_still_be_done_late(occurrence, world) -> None:
    occurrences_mark_missed(now=occurrence.due_at + dt.timedelta(minutes=5))
    checklist_submit(
        actor=Actor.of(world.agent_a),
        occurrence=occurrence,
        answers=_answers(Outcome.PASS, Outcome.PASS, Outcome.PASS),
        complete=True,
    )
    occurrence.refresh_from_db()
    assert occurrence.state == OccurrenceState.DONE
