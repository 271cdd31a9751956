"""Out of contract at intake (ADR 0017): what to tell the caller or the portal user before the request
is created, what to record on the ticket, and the client manager's approval.

The check runs on the same contract match as ticket creation (``contracts.selectors``) plus the hour
credit: a request under a contract whose packages valid today are all used up is "credit exhausted".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade import authz
from escalade.contracts.models import Contract, HourPackage, OutOfContractDecision, OutOfContractOutcome
from escalade.contracts.selectors import contract_match
from escalade.core.actors import Actor
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.core.events import publish
from escalade.core.services import event_record
from escalade.orgs.models import Organisation
from escalade.tickets.models import Category, Ticket

Reason = OutOfContractDecision.Reason


@dataclass(frozen=True)
class IntakeAssessment:
    """Whether a request would be out of contract, why, and what the contract says happens then."""

    contract: Contract | None
    reason: str = ""
    outcome: str = ""

    @property
    def is_out_of_contract(self) -> bool:
        return bool(self.reason)

    @property
    def reason_label(self) -> str:
        return str(Reason(self.reason).label) if self.reason else ""

    @property
    def outcome_label(self) -> str:
        return str(OutOfContractOutcome(self.outcome).label) if self.outcome else ""


def _credit_exhausted(contract: Contract, category: Category | None, today: dt.date) -> bool:
    packages = HourPackage.objects.filter(
        Q(categories__isnull=True) | Q(categories=category.pk if category else None),
        contract=contract, starts_on__lte=today, ends_on__gte=today,
    )  # fmt: skip
    if not packages.exists():
        return False  # no package: time is billed as it comes
    return not packages.filter(consumed_minutes__lt=F("credit_minutes") + F("carried_in_minutes")).exists()


def intake_assess(
    *, organisation: Organisation, category: Category | None, at: dt.datetime | None = None
) -> IntakeAssessment:
    """What a new request of ``organisation`` in ``category`` would be, before it is created."""
    at = at or timezone.now()
    match = contract_match(organisation=organisation, category=category, at=at)
    contract = match.contract
    if contract is None:
        return IntakeAssessment(contract=None)
    reason = match.out_of_contract_reason
    if not reason and _credit_exhausted(contract, category, timezone.localdate(at)):
        reason = Reason.CREDIT
    return IntakeAssessment(
        contract=contract, reason=reason, outcome=contract.out_of_contract_outcome if reason else ""
    )


def intake_check(
    *, organisation: Organisation, category: Category | None, acknowledged: bool
) -> IntakeAssessment:
    """Refuse a request the contract refuses, or one whose out-of-contract notice was not acknowledged."""
    assessment = intake_assess(organisation=organisation, category=category)
    if assessment.outcome == OutOfContractOutcome.REFUSED:
        raise ValidationFailed(
            _("This request is outside the contract (%(reason)s) and the contract does not accept it.")
            % {"reason": assessment.reason_label}
        )
    if assessment.is_out_of_contract and not acknowledged:
        raise ValidationFailed(
            _("This request is outside the contract (%(reason)s): %(outcome)s. Tick the box to go on.")
            % {"reason": assessment.reason_label, "outcome": assessment.outcome_label},
            field="out_of_contract_ack",
        )
    return assessment


def intake_decision_record(
    *, actor: Actor, ticket: Ticket, assessment: IntakeAssessment
) -> OutOfContractDecision | None:
    """Record on ``ticket`` what was said at intake and acknowledged by the actor."""
    if not assessment.is_out_of_contract:
        return None
    approval = (
        OutOfContractDecision.Approval.PENDING
        if assessment.outcome == OutOfContractOutcome.APPROVAL
        else OutOfContractDecision.Approval.NOT_NEEDED
    )
    decision = OutOfContractDecision.objects.create(
        ticket=ticket, reason=assessment.reason, outcome=assessment.outcome, acknowledged_by=actor.user,
        approval=approval,
    )  # fmt: skip
    event = event_record(
        actor=actor, obj=ticket, action="ticket.out_of_contract_acknowledged",
        organisation_id=ticket.organisation_id,
        data={"reason": assessment.reason_label, "outcome": assessment.outcome, "approval": approval},
    )  # fmt: skip
    publish([event], [ticket])
    return decision


def out_of_contract_approve(*, actor: Actor, ticket: Ticket) -> OutOfContractDecision:
    """The client manager approves a request outside the contract (an audit event on the ticket)."""
    user = actor.user
    if user is None or not authz.can_approve_out_of_contract(user, ticket):
        raise PermissionDeniedError(_("Only the client's managers approve requests outside the contract."))
    with transaction.atomic():
        decision = OutOfContractDecision.objects.select_for_update().filter(ticket=ticket).first()
        if decision is None or decision.approval != OutOfContractDecision.Approval.PENDING:
            raise ValidationFailed(_("This request is not waiting for an approval."))
        decision.approval = OutOfContractDecision.Approval.APPROVED
        decision.approved_by, decision.approved_at = user, timezone.now()
        decision.save(update_fields=["approval", "approved_by", "approved_at"])
        event = event_record(
            actor=actor, obj=ticket, action="ticket.out_of_contract_approved",
            organisation_id=ticket.organisation_id, data={"reason": decision.get_reason_display()},
        )  # fmt: skip
        publish([event], [ticket])
    return decision
