"""Turning one received message into a ticket, a follow-up, or a quarantine entry with its reason."""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import User
from escalade.accounts.services import user_create
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.mail.models import (
    Direction,
    Mailbox,
    MailMessage,
    Quarantine,
    QuarantineReason,
    QuarantineStatus,
    UnknownSenderPolicy,
)
from escalade.mail.noise import noise_reason
from escalade.mail.outbound import bounce_record
from escalade.mail.parsing import ParsedMessage, Part, parse
from escalade.mail.threads import strip_reply_prefixes, ticket_for
from escalade.mail.trimming import trim_reply
from escalade.orgs.models import Organisation
from escalade.orgs.selectors import organisation_for_email
from escalade.tickets.choices import Channel, State
from escalade.tickets.models import FollowUp, Ticket
from escalade.tickets.services import (
    attachment_add,
    ticket_add_note,
    ticket_assign,
    ticket_create,
    ticket_reopen,
    ticket_reply,
)

logger = logging.getLogger(__name__)
IGNORED_REASONS = frozenset({QuarantineReason.AUTO_REPLY, QuarantineReason.BULK, QuarantineReason.BOUNCE,
                             QuarantineReason.LOOP})  # fmt: skip


@dataclass(frozen=True)
class IngestOutcome:
    """What became of a message: ``ticket``, ``followup``, ``quarantine`` or ``duplicate``."""

    kind: str
    ticket: Ticket | None = None
    followup: FollowUp | None = None
    quarantine: Quarantine | None = None
    reason: str = ""


class Refused(Exception):  # noqa: N818 - a decision, not an error
    """The message goes to quarantine for ``reason``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason, self.detail = reason, detail


def raw_store(raw: bytes) -> str:
    """Save the original bytes once under their hash; returns the storage name."""
    digest = hashlib.sha256(raw).hexdigest()
    name = f"mail/{digest[:2]}/{digest}.eml"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(raw))
    return name


def mail_ingest(
    raw: bytes, *, mailbox: Mailbox | None = None, retry_of: Quarantine | None = None
) -> IngestOutcome:
    """Import one message. Never raises because of the message: what cannot be imported is quarantined.

    Runs in its own transaction (a savepoint when the caller has one), so a crash leaves nothing half done.
    """
    try:
        parsed = parse(raw)
    except Exception as error:  # noqa: BLE001 - any parser failure is a quarantine, never a crash
        logger.warning("unparseable message: %s", error)
        return _quarantine(raw, mailbox, None, Refused(QuarantineReason.ERROR, f"parse: {error!r}"))
    if MailMessage.objects.filter(direction=Direction.INBOUND, message_id=parsed.message_id).exists():
        return IngestOutcome(kind="duplicate", reason=parsed.message_id)
    try:
        with transaction.atomic():
            return _import(parsed, raw, mailbox, retry_of=retry_of)
    except Refused as refusal:
        if refusal.reason == QuarantineReason.BOUNCE:
            bounce_record(parsed)  # after the rollback of the import's savepoint, so it is kept
        return _quarantine(raw, mailbox, parsed, refusal)
    except IntegrityError:
        if MailMessage.objects.filter(direction=Direction.INBOUND, message_id=parsed.message_id).exists():
            return IngestOutcome(kind="duplicate", reason=parsed.message_id)
        raise
    except Exception as error:
        logger.exception("message %s could not be imported", parsed.message_id)
        detail = f"{type(error).__name__}: {error}"
        return _quarantine(raw, mailbox, parsed, Refused(QuarantineReason.ERROR, detail))


def _quarantine(
    raw: bytes, mailbox: Mailbox | None, parsed: ParsedMessage | None, refusal: Refused
) -> IngestOutcome:
    status = QuarantineStatus.IGNORED if refusal.reason in IGNORED_REASONS else QuarantineStatus.PENDING
    entry = Quarantine.objects.create(
        mailbox=mailbox,
        message_id=parsed.message_id if parsed else "",
        sender=(parsed.sender if parsed else "")[:254],
        subject=(parsed.subject if parsed else "")[:300],
        reason=refusal.reason,
        detail=refusal.detail[:4000],
        raw=raw_store(raw),
        status=status,
    )
    return IngestOutcome(kind="quarantine", quarantine=entry, reason=refusal.reason)


def _import(
    parsed: ParsedMessage, raw: bytes, mailbox: Mailbox | None, *, retry_of: Quarantine | None
) -> IngestOutcome:
    if not parsed.sender:
        raise Refused(QuarantineReason.NO_SENDER, "no From address")
    reason = noise_reason(parsed)
    if reason is not None:
        raise Refused(reason, parsed.headers.get("auto-submitted", "") or parsed.subject)
    if retry_of is None:
        _check_rate(parsed.sender)
    user = _sender_user(parsed, mailbox)
    ticket, _how = ticket_for(parsed)
    if ticket is not None and not authz.can_reply_to_ticket(user, ticket):
        if mailbox is not None and mailbox.unknown_senders == UnknownSenderPolicy.REFUSE:
            raise Refused(QuarantineReason.SENDER_NOT_ALLOWED, f"{parsed.sender} on {ticket.reference}")
        ticket = None
    if ticket is not None and not _reopen_if_needed(ticket, user):
        ticket = None
    if ticket is None:
        ticket, followup = _new_ticket(parsed, user, mailbox), None
        kind = "ticket"
    else:
        followup, kind = _follow_up(parsed, ticket, user), "followup"
    _attach(parsed, ticket, followup, user, message_size=len(raw))
    MailMessage.objects.create(
        direction=Direction.INBOUND, message_id=parsed.message_id, ticket=ticket, followup=followup,
        mailbox=mailbox, sender=parsed.sender, subject=parsed.subject, raw=raw_store(raw),
        full_text=parsed.text, html=parsed.html,
    )  # fmt: skip
    return IngestOutcome(kind=kind, ticket=ticket, followup=followup)


def _check_rate(sender: str) -> None:
    since = timezone.now() - timedelta(hours=1)
    recent = MailMessage.objects.filter(direction=Direction.INBOUND, sender=sender, created_at__gte=since)
    if recent.count() >= settings.ESCALADE_MAIL_RATE_PER_HOUR:
        raise Refused(QuarantineReason.RATE_LIMITED, f"more than {settings.ESCALADE_MAIL_RATE_PER_HOUR}/hour")


def _sender_user(parsed: ParsedMessage, mailbox: Mailbox | None) -> User:
    user = User.objects.filter(email=parsed.sender).first()
    if user is not None:
        if not user.is_active:
            raise Refused(QuarantineReason.UNKNOWN_SENDER, f"{parsed.sender} is deactivated")
        return user
    organisation = _organisation_for_unknown(parsed.sender, mailbox)
    if organisation is None:
        raise Refused(QuarantineReason.UNKNOWN_SENDER, parsed.sender)
    name = parsed.sender_name or parsed.sender.partition("@")[0]
    try:
        return user_create(
            actor=Actor.channel("email"), email=parsed.sender, full_name=name[:200], organisation=organisation
        )
    except DomainError as error:
        raise Refused(QuarantineReason.NO_SENDER, f"{parsed.sender}: {error}") from error


def _organisation_for_unknown(sender: str, mailbox: Mailbox | None) -> Organisation | None:
    policy = mailbox.unknown_senders if mailbox is not None else UnknownSenderPolicy.DOMAIN
    if policy == UnknownSenderPolicy.REFUSE:
        return None
    organisation = organisation_for_email(sender)
    if organisation is None and policy == UnknownSenderPolicy.DEFAULT_ORGANISATION and mailbox is not None:
        return mailbox.organisation
    return organisation


def _reopen_if_needed(ticket: Ticket, user: User) -> bool:
    """A reply to a resolved/closed ticket reopens it within the window; False: open a new ticket."""
    if ticket.state not in {State.RESOLVED, State.CLOSED}:
        return True
    try:
        ticket_reopen(actor=Actor.channel("email", user=user), ticket=ticket, reason=_("Reply by e-mail"))
    except DomainError:
        return False
    return True


def _new_ticket(parsed: ParsedMessage, user: User, mailbox: Mailbox | None) -> Ticket:
    text = trim_reply(parsed.text, forwarded_ok=True) if parsed.text.strip() else ""
    title = strip_reply_prefixes(parsed.subject) or (text.strip().splitlines() or [""])[0][:120]
    if not title.strip() and not text.strip() and not parsed.parts:
        raise Refused(QuarantineReason.EMPTY, "no subject, no text")
    category = mailbox.category if mailbox is not None and mailbox.category_id else None
    if category is not None and category.organisations.exists():
        category = category if category.organisations.filter(pk=user.organisation_id).exists() else None
    ticket = ticket_create(
        actor=Actor.channel("email", user=user), requester=user, title=title or _("(no subject)"),
        description=text, channel=Channel.EMAIL, category=category,
    )  # fmt: skip
    if (
        mailbox is not None
        and mailbox.team_id
        and ticket.team_id != mailbox.team_id
        and ticket.assignee_id is None
    ):
        try:
            ticket_assign(actor=Actor.system("mail"), ticket=ticket, team=mailbox.team)
        except DomainError:
            logger.info("mailbox team %s does not serve %s", mailbox.team_id, ticket.organisation_id)
    return ticket


def _follow_up(parsed: ParsedMessage, ticket: Ticket, user: User) -> FollowUp:
    body = trim_reply(parsed.text) if parsed.text.strip() else ""
    if not body:
        body = _("(see the attached files)") if parsed.parts else _("(empty message)")
    return ticket_reply(
        actor=Actor.channel("email", user=user), ticket=ticket, body=body, channel=Channel.EMAIL
    )


def _attach(
    parsed: ParsedMessage, ticket: Ticket, followup: FollowUp | None, user: User, *, message_size: int
) -> None:
    """Store the message's files; what is refused or over a limit is listed in an internal note."""
    dropped: list[str] = []
    if message_size > settings.ESCALADE_MAIL_MAX_BYTES:
        limit = settings.ESCALADE_MAIL_MAX_BYTES // 1_048_576
        dropped += [_("%(name)s (the message exceeds %(size)d MB)") % {"name": p.filename, "size": limit}
                    for p in parsed.parts]  # fmt: skip
    else:
        for part in parsed.parts:
            problem = _attach_one(part, ticket, followup, user)
            if problem:
                dropped.append(problem)
    if dropped:
        note = _("Files from the e-mail that were not stored:") + "\n" + "\n".join(f"- {d}" for d in dropped)
        ticket_add_note(actor=Actor.system("mail"), ticket=ticket, body=note)


def _attach_one(part: Part, ticket: Ticket, followup: FollowUp | None, user: User) -> str:
    if not part.data:
        return _("%(name)s (empty file)") % {"name": part.filename}
    try:
        with transaction.atomic():
            attachment_add(
                actor=Actor.channel("email", user=user), ticket=ticket, filename=part.filename,
                content=io.BytesIO(part.data), followup=followup,
            )  # fmt: skip
    except DomainError as error:
        return f"{part.filename} ({error})"
    return ""
