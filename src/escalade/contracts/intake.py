"""Out of contract at intake (ADR 0017): what to tell the caller or the portal user before the request
is created, what to record on the ticket, and the client manager's approval.

The check runs on the same contract match as ticket creation (``contracts.selectors``) plus the hour
credit: a request under a contract whose packages valid today are all used up is "credit exhausted".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import Role, User
from escalade.contracts.models import Contract, HourPackage, OutOfContractDecision, OutOfContractOutcome
from escalade.contracts.selectors import contract_choose, contract_match, contracts_of
from escalade.core.actors import Actor
from escalade.core.errors import PermissionDeniedError, ValidationFailed
from escalade.core.events import publish
from escalade.core.models import Event
from escalade.core.services import event_record
from escalade.notifications.models import NotificationKind
from escalade.notifications.services import Notice, notify_many, supervisors
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

    @property
    def is_refused(self) -> bool:
        return self.outcome == OutOfContractOutcome.REFUSED

    def refusal(self) -> str:
        return _("This request is outside the contract (%(reason)s) and the contract does not accept it.") % {
            "reason": self.reason_label
        }


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
    if assessment.is_refused:
        raise ValidationFailed(assessment.refusal())
    if assessment.is_out_of_contract and not acknowledged:
        raise ValidationFailed(
            _("This request is outside the contract (%(reason)s): %(outcome)s. Tick the box to go on.")
            % {"reason": assessment.reason_label, "outcome": assessment.outcome_label},
            field="out_of_contract_ack",
        )
    return assessment


def intake_assess_many(
    *, requests: Sequence[tuple[Organisation, Category | None]], at: dt.datetime | None = None
) -> list[IntakeAssessment]:
    """:func:`intake_assess` for each ``(organisation, category)`` of a batch (mail, API): the contracts
    read once, the hour credit once per contract and category."""
    at = at or timezone.now()
    contracts = contracts_of(organisation_ids={organisation.pk for organisation, _c in requests})
    exhausted: dict[tuple[int, int | None], bool] = {}
    found: list[IntakeAssessment] = []
    for organisation, category in requests:
        match = contract_choose(contracts=contracts.get(organisation.pk, []), category=category, at=at)
        contract = match.contract
        if contract is None:
            found.append(IntakeAssessment(contract=None))
            continue
        reason = match.out_of_contract_reason
        if not reason:
            key = (contract.pk, category.pk if category else None)
            if key not in exhausted:
                exhausted[key] = _credit_exhausted(contract, category, timezone.localdate(at))
            reason = Reason.CREDIT if exhausted[key] else ""
        outcome = contract.out_of_contract_outcome if reason else ""
        found.append(IntakeAssessment(contract=contract, reason=reason, outcome=outcome))
    return found


def intake_decision_record(
    *, actor: Actor, ticket: Ticket, assessment: IntakeAssessment
) -> OutOfContractDecision | None:
    """Record on ``ticket`` what was said at intake and acknowledged by the actor (desk, portal)."""
    decisions = intake_decisions_record(actor=actor, tickets=[ticket], assessments=[assessment])
    return decisions[0] if decisions else None


def intake_decisions_record(
    *,
    actor: Actor,
    tickets: Sequence[Ticket],
    assessments: Sequence[IntakeAssessment],
    acknowledged: bool = True,
) -> list[OutOfContractDecision]:
    """Record on each new ticket the contract's decision at intake, with its event (ADR 0017).

    ``acknowledged``: a person read the notice before sending (phone screen, portal); False for the
    channels that cannot ask (mail, API), where the decision is applied as the contract says. A
    request that needs approval notifies its organisation's client managers (in the app and by mail).
    """
    decisions: list[OutOfContractDecision] = []
    for ticket, assessment in zip(tickets, assessments, strict=True):
        if not assessment.is_out_of_contract:
            continue
        approval = (
            OutOfContractDecision.Approval.PENDING
            if assessment.outcome == OutOfContractOutcome.APPROVAL
            else OutOfContractDecision.Approval.NOT_NEEDED
        )
        decision = OutOfContractDecision.objects.create(
            ticket=ticket, reason=assessment.reason, outcome=assessment.outcome, approval=approval,
            acknowledged_by=actor.user if acknowledged else None,
        )  # fmt: skip
        action = "ticket.out_of_contract_acknowledged" if acknowledged else "ticket.out_of_contract_recorded"
        event = event_record(
            actor=actor, obj=ticket, action=action, organisation_id=ticket.organisation_id,
            data={"reason": assessment.reason, "outcome": assessment.outcome, "approval": approval},
        )  # fmt: skip
        publish([event], [ticket])
        if approval == OutOfContractDecision.Approval.PENDING:
            _approval_requested(ticket, decision, event)
        decisions.append(decision)
    return decisions


def client_managers(organisation_id: int) -> list[User]:
    return list(
        User.objects.filter(organisation_id=organisation_id, role=Role.CLIENT_MANAGER, is_active=True)
    )


def _approval_requested(ticket: Ticket, decision: OutOfContractDecision, event: Event) -> None:
    """Tell the client managers a request waits for their approval: a notification in their language
    (the portal's bell and account page list it) and a mail, sent by the outbox after commit."""
    managers = client_managers(ticket.organisation_id)
    notices = []
    for person in managers:
        with translation.override(person.language or None):
            text = _("%(reference)s waits for your approval: %(reason)s") % {
                "reference": ticket.reference, "reason": decision.get_reason_display(),
            }  # fmt: skip
        notices.append(
            Notice(
                recipients=[person], kind=NotificationKind.OUT_OF_CONTRACT, ticket=ticket, text=text,
                event=event, mail_kind="approval_needed",
            )
        )  # fmt: skip
    notify_many(notices=notices)


def _answer(*, actor: Actor, ticket: Ticket, approve: bool) -> OutOfContractDecision:
    user = actor.user
    if user is None or not authz.can_approve_out_of_contract(user, ticket):
        raise PermissionDeniedError(_("Only the client's managers approve requests outside the contract."))
    with transaction.atomic():
        decision = OutOfContractDecision.objects.select_for_update().filter(ticket=ticket).first()
        if decision is None or decision.approval != OutOfContractDecision.Approval.PENDING:
            raise ValidationFailed(_("This request is not waiting for an approval."))
        Approval = OutOfContractDecision.Approval  # noqa: N806 - an alias of the choices
        decision.approval = Approval.APPROVED if approve else Approval.REFUSED
        decision.approved_by, decision.approved_at = user, timezone.now()
        decision.save(update_fields=["approval", "approved_by", "approved_at"])
        action = "ticket.out_of_contract_approved" if approve else "ticket.out_of_contract_refused"
        event = event_record(
            actor=actor, obj=ticket, action=action, organisation_id=ticket.organisation_id,
            data={"reason": decision.reason},
        )  # fmt: skip
        publish([event], [ticket])
        people = [*supervisors(), *([ticket.assignee] if ticket.assignee else [])]
        text = f"{ticket.reference}: {decision.get_approval_display()}"
        notify_many(
            notices=[
                Notice(recipients=people, kind=NotificationKind.OUT_OF_CONTRACT, ticket=ticket, text=text)
            ]
        )
    return decision


def out_of_contract_approve(*, actor: Actor, ticket: Ticket) -> OutOfContractDecision:
    """The client manager approves a request outside the contract (an audit event on the ticket)."""
    return _answer(actor=actor, ticket=ticket, approve=True)


def out_of_contract_refuse(*, actor: Actor, ticket: Ticket) -> OutOfContractDecision:
    """The client manager refuses a request outside the contract (an audit event on the ticket; the
    supervisors and the assignee are told, and close the ticket with the requester)."""
    return _answer(actor=actor, ticket=ticket, approve=False)
