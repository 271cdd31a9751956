"""Turning one received message into a ticket, a follow-up, or a quarantine entry with its reason."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Count
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
from escalade.mail.threads import Known, is_duplicate, known_messages, strip_reply_prefixes, ticket_for
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


class Senders:
    """The senders of a group of messages, looked up once for the group rather than once per message.

    Their accounts (with the organisation) and how many messages each sent in the last hour (the rate
    limit): two queries for the poller's group. Accounts created and messages imported meanwhile are
    added as they happen.
    """

    def __init__(self, addresses: Iterable[str]) -> None:
        wanted = {address for address in addresses if address}
        self.users: dict[str, User] = {
            user.email: user for user in User.objects.select_related("organisation").filter(email__in=wanted)
        }
        since = timezone.now() - timedelta(hours=1)
        recent = (
            MailMessage.objects.filter(direction=Direction.INBOUND, sender__in=wanted, created_at__gte=since)
            .values_list("sender").annotate(count=Count("id")).order_by()
        )  # fmt: skip
        self.recent: dict[str, int] = dict(recent)
        self.addresses = wanted

    def user(self, address: str) -> User | None:
        """The account found for the group (None: none then, or not one of the group's senders)."""
        return self.users.get(address)

    def recent_count(self, address: str) -> int:
        if address not in self.addresses:
            return _recent_count(address)
        return self.recent.get(address, 0)

    def imported(self, address: str, user: User) -> None:
        if address in self.addresses:
            self.users[address] = user
            self.recent[address] = self.recent.get(address, 0) + 1


def raw_store(raw: bytes) -> str:
    """Save the original bytes once under their hash; returns the storage name."""
    digest = hashlib.sha256(raw).hexdigest()
    name = f"mail/{digest[:2]}/{digest}.eml"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(raw))
    return name


def mail_ingest(
    raw: bytes,
    *,
    mailbox: Mailbox | None = None,
    retry_of: Quarantine | None = None,
    parsed: ParsedMessage | None = None,
    senders: Senders | None = None,
) -> IngestOutcome:
    """Import one message. Never raises because of the message: what cannot be imported is quarantined.

    Runs in its own transaction (a savepoint when the caller has one), so a crash leaves nothing half done.
    A database that fails (deadlock, lost connection: ``OperationalError``) is not the message's fault:
    the error propagates, so that the caller rolls back and the message is tried again later.
    A caller importing several messages passes each one ``parsed`` and their :class:`Senders`.
    """
    if parsed is None:
        try:
            parsed = parse(raw)
        except Exception as error:  # noqa: BLE001 - any parser failure is a quarantine, never a crash
            logger.warning("unparseable message: %s", error)
            return _quarantine(raw, mailbox, None, Refused(QuarantineReason.ERROR, f"parse: {error!r}"))
    known = known_messages(parsed)
    if is_duplicate(parsed, known):
        return IngestOutcome(kind="duplicate", reason=parsed.message_id)
    try:
        _screen(parsed)  # automatic mail is refused before any write (no savepoint to open and undo)
        with transaction.atomic():
            return _import(parsed, raw, mailbox, known, retry_of=retry_of, senders=senders)
    except Refused as refusal:
        if refusal.reason == QuarantineReason.BOUNCE:
            bounce_record(parsed)  # outside the import's savepoint, so it is kept
        return _quarantine(raw, mailbox, parsed, refusal)
    except IntegrityError:
        if MailMessage.objects.filter(direction=Direction.INBOUND, message_id=parsed.message_id).exists():
            return IngestOutcome(kind="duplicate", reason=parsed.message_id)
        raise
    except OperationalError:
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


def _screen(parsed: ParsedMessage) -> None:
    """Refuse, from the message alone, what has no sender or must not be answered (auto-replies…)."""
    if not parsed.sender:
        raise Refused(QuarantineReason.NO_SENDER, "no From address")
    reason = noise_reason(parsed)
    if reason is not None:
        raise Refused(reason, parsed.headers.get("auto-submitted", "") or parsed.subject)


def _import(
    parsed: ParsedMessage,
    raw: bytes,
    mailbox: Mailbox | None,
    known: list[Known],
    *,
    retry_of: Quarantine | None,
    senders: Senders | None,
) -> IngestOutcome:
    if retry_of is None:  # an administrator's retry is not rate-limited
        _check_rate(parsed.sender, senders)
    user = _sender_user(parsed, mailbox, senders)
    ticket, _how = ticket_for(parsed, known)
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
    if senders is not None:
        senders.imported(parsed.sender, user)
    return IngestOutcome(kind=kind, ticket=ticket, followup=followup)


def _check_rate(sender: str, senders: Senders | None) -> None:
    recent = senders.recent_count(sender) if senders is not None else _recent_count(sender)
    if recent >= settings.ESCALADE_MAIL_RATE_PER_HOUR:
        raise Refused(QuarantineReason.RATE_LIMITED, f"more than {settings.ESCALADE_MAIL_RATE_PER_HOUR}/hour")


def _recent_count(sender: str) -> int:
    since = timezone.now() - timedelta(hours=1)
    return MailMessage.objects.filter(
        direction=Direction.INBOUND, sender=sender, created_at__gte=since
    ).count()


def _user_by_email(address: str) -> User | None:
    return User.objects.select_related("organisation").filter(email=address).first()


def _sender_user(parsed: ParsedMessage, mailbox: Mailbox | None, senders: Senders | None) -> User:
    """The sender's account, or a new one when the mailbox's policy allows."""
    # Not among the group's senders: read again, another worker may have just created the account.
    user = (senders.user(parsed.sender) if senders is not None else None) or _user_by_email(parsed.sender)
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
    try:  # attachment_add is atomic: a refused file leaves nothing behind
        attachment_add(
            actor=Actor.channel("email", user=user), ticket=ticket, filename=part.filename,
            content=io.BytesIO(part.data), followup=followup,
        )  # fmt: skip
    except DomainError as error:
        return f"{part.filename} ({error})"
    return ""
