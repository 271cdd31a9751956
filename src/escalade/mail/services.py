"""Writes of the mail app: ingesting, polling, the quarantine, and notification mail.

The work is in :mod:`escalade.mail.ingest` (one message), :mod:`escalade.mail.imap` (a mailbox) and
:mod:`escalade.mail.outbound` (notifications); this module is the app's public surface.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from escalade.core.actors import Actor
from escalade.core.errors import ConflictError
from escalade.core.services import event_record
from escalade.mail.imap import PollReport, mailbox_poll
from escalade.mail.ingest import IngestOutcome, mail_ingest
from escalade.mail.models import Quarantine, QuarantineStatus
from escalade.mail.outbound import mail_on_ticket_event, mail_on_ticket_events, outbound_queue, outbound_send

__all__ = [
    "IngestOutcome", "PollReport", "mail_ingest", "mail_on_ticket_event", "mail_on_ticket_events",
    "mailbox_poll", "outbound_queue", "outbound_send", "quarantine_discard", "quarantine_retry",
    "retry_summary",
]  # fmt: skip

OPEN_STATUSES = frozenset({QuarantineStatus.PENDING, QuarantineStatus.IGNORED})


@transaction.atomic
def quarantine_retry(*, actor: Actor, entry: Quarantine) -> IngestOutcome:
    """Import a quarantined message again (after the cause was fixed). Rate limits do not apply.

    Imported (a ticket or a follow-up) → the entry is ``retried``; found already imported → it is
    ``duplicate``; refused again → it stays open with the new reason (no second entry). The outcome
    says which: :func:`retry_summary` words it for the administrator.
    """
    entry = Quarantine.objects.select_for_update().get(pk=entry.pk)
    if entry.status not in OPEN_STATUSES:
        raise ConflictError(_("This message was already retried or discarded."), field="status")
    with entry.raw.open("rb") as raw_file:
        raw = raw_file.read()
    outcome = mail_ingest(raw, mailbox=entry.mailbox, retry_of=entry)
    entry.retries += 1
    if outcome.kind == "quarantine" and outcome.quarantine is not None:
        # Still refused: keep one entry, with the new reason, and drop the one just created.
        entry.reason, entry.detail = outcome.quarantine.reason, outcome.quarantine.detail
        outcome.quarantine.delete()
        entry.save(update_fields=["reason", "detail", "retries", "updated_at"])
        outcome = IngestOutcome(kind="quarantine", quarantine=entry, reason=entry.reason)
    else:
        imported = outcome.kind in {"ticket", "followup"}
        entry.status = QuarantineStatus.RETRIED if imported else QuarantineStatus.DUPLICATE
        entry.save(update_fields=["status", "retries", "updated_at"])
    event_record(actor=actor, obj=entry, action="quarantine.retried", data={"outcome": outcome.kind})
    return outcome


def retry_summary(outcome: IngestOutcome) -> str:
    """What a retry did, in words: imported (where), already imported, or refused again (why)."""
    if outcome.kind == "ticket" and outcome.ticket is not None:
        return _("imported as the new ticket %(reference)s") % {"reference": outcome.ticket.reference}
    if outcome.kind == "followup" and outcome.ticket is not None:
        return _("imported as a follow-up on %(reference)s") % {"reference": outcome.ticket.reference}
    if outcome.kind == "duplicate":
        return _("not imported: it had already been imported")
    reason = outcome.quarantine.get_reason_display() if outcome.quarantine is not None else outcome.reason
    return _("still refused: %(reason)s") % {"reason": reason}


@transaction.atomic
def quarantine_discard(*, actor: Actor, entry: Quarantine) -> Quarantine:
    """Give up on a quarantined message (it stays listed, with its raw bytes, as discarded)."""
    entry = Quarantine.objects.select_for_update().get(pk=entry.pk)
    if entry.status not in OPEN_STATUSES:
        raise ConflictError(_("This message was already retried or discarded."), field="status")
    entry.status = QuarantineStatus.DISCARDED
    entry.save(update_fields=["status", "updated_at"])
    event_record(actor=actor, obj=entry, action="quarantine.discarded")
    return entry
