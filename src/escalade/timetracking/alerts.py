"""Contract alerts: credit thresholds and contract dates, to the supervisors and the client's managers,
through their notification preferences (a mail leaves through the outbox after commit)."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils import translation
from django.utils.translation import gettext as _

from escalade.accounts.models import Role, User
from escalade.contracts.models import Contract, OutOfContractDecision, OutOfContractOutcome
from escalade.core.events import Published
from escalade.core.models import Event
from escalade.notifications.models import NotificationKind
from escalade.notifications.services import Notice, notify_many, supervisors

MAIL_KINDS = {"contract.credit_threshold": "credit_threshold", "contract.date_near": "contract_date"}


def alert_recipients(contract: Contract) -> list[User]:
    """The supervisors and the active client managers of the contract's organisation."""
    managers = User.objects.filter(
        organisation_id=contract.organisation_id, role=Role.CLIENT_MANAGER, is_active=True
    )
    return [*supervisors(), *managers]


def _text(action: str, data: dict[str, object]) -> str:
    if action == "contract.credit_threshold":
        return _("%(organisation)s: %(percent)s %% of the hour package “%(package)s” used") % {
            "organisation": data["organisation"], "percent": data["percent"], "package": data["package_name"],
        }  # fmt: skip
    return _("%(organisation)s: the contract “%(contract)s” ends or renews on %(date)s") % {
        "organisation": data["organisation"], "contract": data["contract_name"], "date": data["date"],
    }  # fmt: skip


def alerts_on_published(items: Sequence[Published]) -> None:
    """Tell the people concerned by each contract alert (once: the alert was claimed), each through
    their channel for contract news (in the app, by mail, in the digest)."""
    notices = []
    for item in items:
        kind = MAIL_KINDS.get(item.event.action)
        contract = item.subject
        if kind is None or not isinstance(contract, Contract):
            continue
        for person in alert_recipients(contract):  # each in their own language
            with translation.override(person.language or None):
                notices.append(
                    Notice(recipients=[person], kind=NotificationKind.CONTRACT, ticket=None,
                           text=_text(item.event.action, item.event.data), event=item.event, mail_kind=kind)
                )  # fmt: skip
    notify_many(notices=notices)


def time_event_label(event: Event) -> str:
    """The ticket timeline's line for a time entry logged, changed or deleted."""
    data = event.data.get("after", event.data)
    minutes = int(data.get("minutes") or 0)
    duration = f"{minutes // 60} h {minutes % 60:02d}"
    if event.action == "ticket.time_changed":
        return _("Time entry changed: %(duration)s") % {"duration": duration}
    if event.action == "ticket.time_deleted":
        return _("Time entry deleted: %(duration)s") % {"duration": duration}
    billable = _("billable") if data.get("billable") else _("not billable")
    return _("Time logged: %(duration)s (%(billable)s)") % {"duration": duration, "billable": billable}


def _reason_label(value: object) -> str:
    """The reason as recorded: a code since the mail and API intake, a label in older events."""
    choices = dict(OutOfContractDecision.Reason.choices)
    return str(choices.get(str(value), value or ""))


def out_of_contract_label(event: Event) -> str:
    reason = _reason_label(event.data.get("reason", ""))
    if event.action == "ticket.out_of_contract_approved":
        return _("Request outside the contract approved by the client manager")
    if event.action == "ticket.out_of_contract_refused":
        return _("Request outside the contract refused by the client manager")
    if event.action == "ticket.out_of_contract_recorded":
        outcome = dict(OutOfContractOutcome.choices).get(str(event.data.get("outcome", "")), "")
        return _("Outside the contract at intake: %(reason)s — %(outcome)s") % {
            "reason": reason, "outcome": outcome,
        }  # fmt: skip
    return _("Outside the contract, acknowledged at intake: %(reason)s") % {"reason": reason}
