"""Turning one received message into a ticket, a follow-up, or a quarantine entry with its reason."""

from __future__ import annotations

import hashlib
import io
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import prefetch_related_objects
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import User
from escalade.accounts.services import user_create
from escalade.contracts.intake import intake_assess_many, intake_decisions_record
from escalade.core.actors import Actor
from escalade.core.errors import DomainError
from escalade.mail.lookups import Lookups, known_of, recent_count
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
from escalade.mail.parsing import Head, ParsedMessage, Part, copied, parse, read_head
from escalade.mail.threads import Known, is_duplicate, reuses_id, strip_reply_prefixes, ticket_for, variant_id
from escalade.mail.trimming import trim_reply
from escalade.orgs.models import Organisation
from escalade.orgs.selectors import organisation_for_email
from escalade.tickets.choices import Channel, LinkKind, State
from escalade.tickets.models import FollowUp, Ticket
from escalade.tickets.services import (
    AttachmentRequest,
    TicketRequest,
    attachment_add_many,
    ticket_add_note,
    ticket_create,
    ticket_link,
    ticket_reopen,
    ticket_reply,
)

if TYPE_CHECKING:
    from escalade.mail.batch import IngestBatch

logger = logging.getLogger(__name__)
PENDING = "pending"
EMAIL = Actor.channel("email")
CLOSED_STATES = frozenset({State.RESOLVED, State.CLOSED})
IGNORED_REASONS = frozenset({QuarantineReason.AUTO_REPLY, QuarantineReason.BULK, QuarantineReason.BOUNCE,
                             QuarantineReason.RECEIPT, QuarantineReason.LOOP})  # fmt: skip


@dataclass(frozen=True)
class IngestOutcome:
    """What became of a message: ``ticket``, ``followup``, ``quarantine`` or ``duplicate`` (``pending``:
    waiting in an :class:`IngestBatch`)."""

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


def by_email(user: User) -> Actor:
    """Who acts when ``user`` writes to a mailbox: the e-mail channel vouches for them, as it only
    writes to a ticket whom :func:`may_write` admits."""
    return Actor.channel("email", user=user, vouched=True)


def may_write(user: User, ticket: Ticket) -> bool:
    """``user`` may add to ``ticket`` by e-mail (see ``authz.can_write_by_mail``)."""
    return authz.can_write_by_mail(
        user, ticket, is_watcher=lambda: ticket.watchers.filter(pk=user.pk).exists(),
        same_organisation=settings.ESCALADE_MAIL_REPLY_SAME_ORGANISATION,
    )  # fmt: skip


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
    lookups: Lookups | None = None,
    batch: IngestBatch | None = None,
) -> IngestOutcome:
    """Import one message. Never raises because of the message: what cannot be imported is quarantined.

    Runs in its own transaction (a savepoint when the caller has one), so a crash leaves nothing half done.
    A database that fails (deadlock, lost connection: ``OperationalError``) is not the message's fault:
    the error propagates, so that the caller rolls back and the message is tried again later.
    A caller importing several messages passes each one ``parsed`` and their :class:`Lookups`, and
    may pass an :class:`~escalade.mail.batch.IngestBatch`: a new request (an unknown sender's too,
    when the mailbox's policy gives them an account), a known sender's reply to an open ticket or to a
    waiting message then waits in it (outcome ``pending``) and is written with the batch's others
    when the caller flushes it (or before a message that must come after it).
    """
    known: list[Known] | None = None
    if parsed is None:
        read = _parse_unless_received(raw, mailbox, lookups, retry_of=retry_of)
        if isinstance(read, IngestOutcome):
            return read
        parsed, known = read
    if batch is not None and parsed.message_id in batch.message_ids:
        batch.flush()  # delivered again while its first copy waits: written first, this one is a duplicate
        known = None
    known = _unless_received(parsed, known if known is not None else known_of(parsed, lookups), lookups)
    if known is None:
        return IngestOutcome(kind="duplicate", reason=parsed.message_id)
    try:
        _screen(parsed, mailbox)  # automatic mail is refused before any write (no savepoint to open and undo)
        answers = batch.answered(parsed, known) if batch is not None else None
        if batch is not None and answers is not None:  # it follows up a waiting message
            user = _sender(parsed, lookups, retry_of=retry_of)
            route = Route(user=user, ticket=None, answers=answers)
            if user is not None and batch.may_follow(user, answers) and not batch.behind_files(route):
                return batch.add(parsed, raw, route=route)
            batch.flush()
            known = known_of(parsed, lookups)
        route = _route(parsed, mailbox, known, retry_of=retry_of, lookups=lookups)  # reads only
        if batch is not None and route.forked_from is None and (route.ticket is None or route.is_plain_reply):
            if batch.behind_files(route):
                batch.flush()
            organisation = _new_sender_organisation(parsed, mailbox) if route.user is None else None
            return batch.add(parsed, raw, route=route, organisation=organisation)
        # It may create a ticket or reopen one: after the messages that came before it.
        if batch is not None and batch.flush() and route.user is None:  # its account may exist now
            route = _route(parsed, mailbox, known, retry_of=retry_of, lookups=lookups)
    except Refused as refusal:
        return _refused(raw, mailbox, parsed, refusal, retry_of=retry_of)
    return _import_safely(parsed, raw, mailbox, route, lookups=lookups, retry_of=retry_of)


def _parse_unless_received(
    raw: bytes, mailbox: Mailbox | None, lookups: Lookups | None, *, retry_of: Quarantine | None
) -> tuple[ParsedMessage, list[Known] | None] | IngestOutcome:
    """The parsed message and our records of it (None: read them); a message delivered again is
    recognised from its head, before its body is parsed (a large one costs no memory); one that
    cannot be parsed is quarantined."""
    head = _head(raw)
    known = known_of(head, lookups) if head is not None else None
    if head is not None and known is not None and is_duplicate(head, known):
        return IngestOutcome(kind="duplicate", reason=head.message_id)
    try:
        return parse(raw), known
    except Exception as error:  # noqa: BLE001 - any parser failure is a quarantine, never a crash
        logger.warning("unparseable message: %s", error)
        refusal = Refused(QuarantineReason.ERROR, f"parse: {error!r}")
        return _quarantine(raw, mailbox, None, refusal, retry_of=retry_of)


def _unless_received(
    parsed: ParsedMessage, known: list[Known], lookups: Lookups | None
) -> list[Known] | None:
    """``known`` (our records of the message and of those it answers); None: received already (same
    Message-ID, same content). A different message under a Message-ID we received (mailers and lists
    reuse and mangle them) is given one of its own, :func:`~escalade.mail.threads.variant_id`."""
    if is_duplicate(parsed, known):
        return None
    if reuses_id(parsed, known):
        parsed.message_id = variant_id(parsed.message_id, parsed.digest)
        known = known_of(parsed, lookups)
        return None if is_duplicate(parsed, known) else known
    return known


def _head(raw: bytes) -> Head | None:
    try:
        return read_head(raw)
    except Exception:  # noqa: BLE001 - the full parse reports it
        return None


def _import_safely(
    parsed: ParsedMessage,
    raw: bytes,
    mailbox: Mailbox | None,
    route: Route,
    *,
    lookups: Lookups | None,
    retry_of: Quarantine | None = None,
) -> IngestOutcome:
    """:func:`_import` in a savepoint; a refusal or an error quarantines the message."""
    if lookups is not None and route.ticket is not None:
        lookups.tickets.forget([route.ticket.pk])  # written (or tried): read again when next needed
    try:
        with transaction.atomic():
            return _import(parsed, raw, mailbox, route, lookups=lookups)
    except Refused as refusal:
        return _refused(raw, mailbox, parsed, refusal, retry_of=retry_of)
    except IntegrityError:
        if MailMessage.objects.filter(direction=Direction.INBOUND, message_id=parsed.message_id).exists():
            return IngestOutcome(kind="duplicate", reason=parsed.message_id)
        raise
    except OperationalError:
        raise
    except Exception as error:
        logger.exception("message %s could not be imported", parsed.message_id)
        detail = f"{type(error).__name__}: {error}"
        return _quarantine(raw, mailbox, parsed, Refused(QuarantineReason.ERROR, detail), retry_of=retry_of)


def _refused(
    raw: bytes,
    mailbox: Mailbox | None,
    parsed: ParsedMessage,
    refusal: Refused,
    *,
    retry_of: Quarantine | None,
) -> IngestOutcome:
    already = _quarantined(_digest(raw, parsed), retry_of)
    if already is not None:  # the same message again: one entry, and a bounce is counted once
        return already
    if refusal.reason == QuarantineReason.BOUNCE:
        bounce_record(parsed)  # outside the import's savepoint, so it is kept
    return _quarantine(raw, mailbox, parsed, refusal, retry_of=retry_of, checked=True)


def _digest(raw: bytes, parsed: ParsedMessage | None) -> str:
    return parsed.digest if parsed is not None and parsed.digest else hashlib.sha256(raw).hexdigest()


def _quarantined(digest: str, retry_of: Quarantine | None) -> IngestOutcome | None:
    """The quarantine entry of this same message, if it was quarantined before (not the one retried)."""
    entries = Quarantine.objects.filter(digest=digest)
    if retry_of is not None:
        entries = entries.exclude(pk=retry_of.pk)
    entry = entries.order_by("id").first()
    return IngestOutcome(kind="quarantine", quarantine=entry, reason=entry.reason) if entry else None


def _quarantine(
    raw: bytes,
    mailbox: Mailbox | None,
    parsed: ParsedMessage | None,
    refusal: Refused,
    *,
    retry_of: Quarantine | None,
    checked: bool = False,
) -> IngestOutcome:
    digest = _digest(raw, parsed)
    already = None if checked else _quarantined(digest, retry_of)
    if already is not None:
        return already
    status = QuarantineStatus.IGNORED if refusal.reason in IGNORED_REASONS else QuarantineStatus.PENDING
    entry = Quarantine.objects.create(
        digest=digest,
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


def _screen(parsed: ParsedMessage, mailbox: Mailbox | None) -> None:
    """Refuse, from the message alone, what must not be answered (receipts, bounces, auto-replies…),
    then what has no sender: a bounce has an empty envelope sender and often no usable From."""
    reason = noise_reason(parsed)
    if reason is not None:
        raise Refused(reason, parsed.headers.get("auto-submitted", "") or parsed.subject)
    if mailbox is not None and parsed.sender == mailbox.email.lower():
        raise Refused(QuarantineReason.LOOP, f"from the mailbox's own address {parsed.sender}")
    if not parsed.sender:
        raise Refused(QuarantineReason.NO_SENDER, "no From address")


@dataclass(frozen=True)
class Route:
    """Where a message goes, as read before any write: its sender's account (None: none yet, the
    mailbox's policy may create it) and the ticket it follows up (None: a new request), or the index
    of the message it answers in an :class:`IngestBatch`."""

    user: User | None
    ticket: Ticket | None
    answers: int | None = None
    forked_from: Ticket | None = None  # the ticket it answers, on which its sender may not write

    @property
    def is_plain_reply(self) -> bool:
        """A known sender's follow-up on an open ticket: it creates and reopens nothing."""
        return self.user is not None and self.ticket is not None and self.ticket.state not in CLOSED_STATES


def _route(
    parsed: ParsedMessage,
    mailbox: Mailbox | None,
    known: list[Known],
    *,
    retry_of: Quarantine | None,
    lookups: Lookups | None,
) -> Route:
    user = _sender(parsed, lookups, retry_of=retry_of)
    accepts = (lambda ticket: may_write(user, ticket)) if user is not None else None
    tickets = lookups.tickets if lookups is not None else None
    ticket, _how = ticket_for(parsed, known, tickets, accepts=accepts)
    forked_from = None
    if user is not None and ticket is not None:
        ticket, forked_from = _replied_ticket(parsed, user, ticket, mailbox)
    return Route(user=user, ticket=ticket, forked_from=forked_from)


def _sender(parsed: ParsedMessage, lookups: Lookups | None, *, retry_of: Quarantine | None) -> User | None:
    """The sender's account (None: none yet), once the rate limit is checked."""
    if retry_of is None:  # an administrator's retry is not rate-limited
        _check_rate(parsed.sender, lookups)
    return _existing_user(parsed, lookups)


def _replied_ticket(
    parsed: ParsedMessage, user: User, ticket: Ticket, mailbox: Mailbox | None
) -> tuple[Ticket | None, Ticket | None]:
    """``(ticket, None)`` if ``user`` may write to it; else ``(None, ticket)``: a new ticket of their
    own, linked to it (or refused, per the mailbox's policy)."""
    if may_write(user, ticket):
        return ticket, None
    if mailbox is not None and mailbox.unknown_senders == UnknownSenderPolicy.REFUSE:
        raise Refused(QuarantineReason.SENDER_NOT_ALLOWED, f"{parsed.sender} on {ticket.reference}")
    return None, ticket


def _import(
    parsed: ParsedMessage, raw: bytes, mailbox: Mailbox | None, route: Route, *, lookups: Lookups | None
) -> IngestOutcome:
    user, ticket, forked_from = route.user, route.ticket, route.forked_from
    if user is None:
        user = _new_sender(parsed, mailbox)
        if ticket is not None:
            ticket, forked_from = _replied_ticket(parsed, user, ticket, mailbox)
    if ticket is not None and not _reopen_if_needed(ticket, user):
        ticket = None
    if ticket is None:
        ticket, followup = _new_ticket(parsed, user, mailbox, lookups), None
        kind = "ticket"
        if forked_from is not None:
            _link_fork(ticket, forked_from, user)
    else:
        followup, kind = _follow_up(parsed, ticket, user), "followup"
    attach_files([Files(parsed, ticket, followup, user, len(raw))])
    record = inbound_record(parsed, raw, mailbox, ticket, followup)
    record.save(force_insert=True)
    if lookups is not None:
        lookups.recorded(record, user)
    return IngestOutcome(kind=kind, ticket=ticket, followup=followup)


def _link_fork(ticket: Ticket, original: Ticket, user: User) -> None:
    """A reply from someone who may not write to ``original``: its new ticket is linked to it, and a
    note says why it was not added to that conversation."""
    actor = Actor.system("mail")
    ticket_link(actor=actor, source=ticket, target=original, kind=LinkKind.RELATED_TO)
    note = _(
        "Opened from an e-mail by %(sender)s in answer to %(reference)s, which they may not write to "
        "(they are not its requester, a watcher or, when allowed, of its organisation)."
    ) % {"sender": user.email, "reference": original.reference}
    ticket_add_note(actor=actor, ticket=ticket, body=note)


def inbound_record(
    parsed: ParsedMessage, raw: bytes, mailbox: Mailbox | None, ticket: Ticket, followup: FollowUp | None
) -> MailMessage:
    """The record of a received message (not saved): for threading, duplicates and the rate limit."""
    return MailMessage(
        direction=Direction.INBOUND, message_id=parsed.message_id, ticket=ticket, followup=followup,
        mailbox=mailbox, sender=parsed.sender, subject=parsed.subject, raw=raw_store(raw),
        full_text=parsed.text, html=parsed.html, digest=parsed.digest,
    )  # fmt: skip


def _check_rate(sender: str, lookups: Lookups | None) -> None:
    recent = lookups.senders.recent_count(sender) if lookups is not None else recent_count(sender)
    if recent >= settings.ESCALADE_MAIL_RATE_PER_HOUR:
        raise Refused(QuarantineReason.RATE_LIMITED, f"more than {settings.ESCALADE_MAIL_RATE_PER_HOUR}/hour")


def _user_by_email(address: str) -> User | None:
    return User.objects.select_related("organisation").filter(email=address).first()


def _existing_user(parsed: ParsedMessage, lookups: Lookups | None) -> User | None:
    """The sender's account (None: none yet); a deactivated one is refused."""
    # Not among the group's senders: read again, another worker may have just created the account.
    found = lookups.senders.user(parsed.sender) if lookups is not None else None
    user = found or _user_by_email(parsed.sender)
    if user is not None and not user.is_active:
        raise Refused(QuarantineReason.UNKNOWN_SENDER, f"{parsed.sender} is deactivated")
    return user


def _new_sender(parsed: ParsedMessage, mailbox: Mailbox | None) -> User:
    """A new account for an unknown sender, when the mailbox's policy allows."""
    return sender_create(parsed, _new_sender_organisation(parsed, mailbox))


def _new_sender_organisation(parsed: ParsedMessage, mailbox: Mailbox | None) -> Organisation:
    """Where the mailbox's policy puts an unknown sender's account; refused when it does not allow one."""
    organisation = _organisation_for_unknown(parsed.sender, mailbox)
    if organisation is None:
        raise Refused(QuarantineReason.UNKNOWN_SENDER, parsed.sender)
    return organisation


def sender_create(parsed: ParsedMessage, organisation: Organisation | None) -> User:
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
    if ticket.state not in CLOSED_STATES:
        return True
    try:
        ticket_reopen(actor=Actor.channel("email", user=user), ticket=ticket, reason=_("Reply by e-mail"))
    except DomainError:
        return False
    return True


def copied_people(
    parsed: ParsedMessage, user: User, mailbox: Mailbox | None, lookups: Lookups | None
) -> list[User]:
    """The people the message was also written to (To, Cc) who have an account, are active and belong
    to the requester's organisation or to the provider's staff: the new ticket's watchers (so that
    their replies thread, and they hear of it). Read from the chunk's lookups when there are some."""
    ours = {parsed.sender, mailbox.email.lower() if mailbox is not None else ""}
    addresses = [address for address in copied(parsed.headers) if address not in ours]
    if not addresses:
        return []
    if lookups is not None and set(addresses) <= lookups.senders.addresses:
        found = [person for address in addresses if (person := lookups.senders.user(address)) is not None]
    else:
        found = list(User.objects.select_related("organisation").filter(email__in=addresses))
    return [
        person for person in found
        if person.is_active and (person.organisation_id == user.organisation_id or person.is_provider_staff)
    ]  # fmt: skip


def ticket_request(
    parsed: ParsedMessage, user: User, mailbox: Mailbox | None, lookups: Lookups | None = None
) -> TicketRequest:
    """The new ticket a message asks for (reads nothing once the mailbox's category is loaded): in the
    mailbox's category and addressed to its team, when they apply to the sender's organisation; the
    known people copied on it watch it."""
    title, text = request_text(parsed)
    category = mailbox.category if mailbox is not None and mailbox.category_id else None
    if category is not None:
        prefetch_related_objects([category], "organisations", "fields")  # once per mailbox object
        allowed = {organisation.pk for organisation in category.organisations.all()}
        category = category if not allowed or user.organisation_id in allowed else None
    return TicketRequest(
        requester=user, title=title or _("(no subject)"), description=text, channel=Channel.EMAIL,
        category=category, team=mailbox.team if mailbox is not None and mailbox.team_id else None,
        watchers=copied_people(parsed, user, mailbox, lookups),
    )  # fmt: skip


def request_text(parsed: ParsedMessage) -> tuple[str, str]:
    """A new request's title and text (either may be empty: a message with no subject and no text is
    still a request from its sender, with its files if any)."""
    text = trim_reply(parsed.text, forwarded_ok=True) if parsed.text.strip() else ""
    title = strip_reply_prefixes(parsed.subject) or (text.strip().splitlines() or [""])[0][:120]
    return title, text


def _new_ticket(
    parsed: ParsedMessage, user: User, mailbox: Mailbox | None, lookups: Lookups | None
) -> Ticket:
    """The new ticket, with the contract's decision applied at intake (a request the contract refuses
    is quarantined, ADR 0017)."""
    request = ticket_request(parsed, user, mailbox, lookups)
    [assessment] = intake_assess_many(requests=[(user.organisation, request.category)])
    if assessment.is_refused:
        raise Refused(QuarantineReason.OUT_OF_CONTRACT, f"{parsed.sender}: {assessment.reason}")
    actor = Actor.channel("email", user=user)
    ticket = ticket_create(actor=actor, **vars(request))
    intake_decisions_record(actor=actor, tickets=[ticket], assessments=[assessment], acknowledged=False)
    return ticket


def _follow_up(parsed: ParsedMessage, ticket: Ticket, user: User) -> FollowUp:
    return ticket_reply(actor=by_email(user), ticket=ticket, body=reply_body(parsed), channel=Channel.EMAIL)


def reply_body(parsed: ParsedMessage) -> str:
    body = trim_reply(parsed.text) if parsed.text.strip() else ""
    if not body:
        body = _("(see the attached files)") if parsed.parts else _("(empty message)")
    return body


@dataclass(frozen=True)
class Files:
    """The files of a received message, to store on its ticket (or follow-up)."""

    parsed: ParsedMessage
    ticket: Ticket
    followup: FollowUp | None
    user: User
    message_size: int


def attach_files(messages: Sequence[Files]) -> None:
    """Store the messages' files (one ``attachment_add_many``); what is refused or over a limit is
    listed in an internal note on its ticket."""
    requests: list[AttachmentRequest] = []
    slots: list[list[str | int]] = []  # per message, per file: why it was dropped, or its request
    for message in messages:
        if message.message_size > settings.ESCALADE_MAIL_MAX_BYTES:
            limit = settings.ESCALADE_MAIL_MAX_BYTES // 1_048_576
            too_big = _("%(name)s (the message exceeds %(size)d MB)")
            slots.append([too_big % {"name": part.filename, "size": limit} for part in message.parsed.parts])
            continue
        limit = settings.ESCALADE_MAIL_MAX_ATTACHMENTS
        kept, over = message.parsed.parts[:limit], message.parsed.parts[limit:]
        over_limit = _("%(name)s (more than %(count)d files in the message)")
        slots.append(
            [_file_request(part, message, requests) for part in kept]
            + [over_limit % {"name": part.filename, "count": limit} for part in over]
        )
        if message.parsed.parts_skipped:
            unread = _("%(count)d more MIME parts, not read (more than %(limit)d in the message)")
            slots[-1].append(
                unread % {"count": message.parsed.parts_skipped, "limit": settings.ESCALADE_MAIL_MAX_PARTS}
            )
    results = attachment_add_many(attachments=requests) if requests else []
    for message, files in zip(messages, slots, strict=True):
        dropped = [
            slot if isinstance(slot, str) else f"{requests[slot].filename} ({results[slot]})"
            for slot in files
            if isinstance(slot, str) or isinstance(results[slot], DomainError)
        ]
        if dropped:
            note = (
                _("Files from the e-mail that were not stored:") + "\n" + "\n".join(f"- {d}" for d in dropped)
            )
            ticket_add_note(actor=Actor.system("mail"), ticket=message.ticket, body=note)


def _file_request(part: Part, message: Files, requests: list[AttachmentRequest]) -> str | int:
    """Why ``part`` is not stored, or the index of the request that stores it (appended)."""
    if not part.data:
        return _("%(name)s (empty file)") % {"name": part.filename}
    requests.append(
        AttachmentRequest(
            actor=by_email(message.user), ticket=message.ticket, filename=part.filename,
            content=io.BytesIO(part.data), followup=message.followup,
        )
    )  # fmt: skip
    return len(requests) - 1
