"""The poller's batches: the new requests and replies of a group, written together.

See :class:`IngestBatch`; :func:`escalade.mail.ingest.mail_ingest` decides which messages wait in it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import OperationalError, transaction

from escalade import authz
from escalade.accounts.models import User
from escalade.contracts.intake import intake_assess_many, intake_decisions_record
from escalade.mail.ingest import (
    EMAIL,
    PENDING,
    Files,
    IngestOutcome,
    Route,
    attach_files,
    by_email,
    inbound_record,
    mail_ingest,
    may_write,
    reply_body,
    request_text,
    sender_create,
    ticket_request,
)
from escalade.mail.lookups import Lookups
from escalade.mail.models import Mailbox, MailMessage
from escalade.mail.parsing import ParsedMessage
from escalade.mail.threads import Known, answered_ids
from escalade.orgs.models import Organisation
from escalade.tickets.choices import Channel
from escalade.tickets.models import Ticket
from escalade.tickets.services import ReplyRequest, TicketRequest, ticket_create_many, ticket_reply_many

logger = logging.getLogger(__name__)


class OutOfContractRefused(Exception):  # noqa: N818 - reads as what happened
    """A waiting request that its contract refuses: the batch goes one by one, which quarantines it."""


@dataclass(frozen=True)
class _Waiting:
    """A message waiting in an :class:`IngestBatch`: a new request (from ``user``, or from a new
    account in ``organisation``), a reply to an open ``ticket``, or a reply to the ticket of the
    waiting message at index ``answers``."""

    raw: bytes
    parsed: ParsedMessage
    user: User | None
    request: TicketRequest | None = None
    organisation: Organisation | None = None
    ticket: Ticket | None = None
    answers: int | None = None

    @property
    def is_request(self) -> bool:
        return self.request is not None or self.organisation is not None


class IngestBatch:
    """The new requests and replies of a poller's group, written together by :meth:`flush`
    (``ticket_create_many``, ``ticket_reply_many``, ``attachment_add_many``, one insert of records).

    The result is what importing them one by one gives. :func:`mail_ingest` flushes the batch before
    a message delivered again while its first copy waits, before any message that may create a
    ticket another way or reopen one (references and agents' loads then follow the order of the
    messages), and before a reply to a ticket that a waiting reply brings files to. A reply changes
    nothing that a creation reads, so the requests are created first (with their files), then the
    replies added in order (those that answer a waiting request on its new ticket), then their files.
    A message that fails the batch (a duplicate written meanwhile by another poller, a category
    withdrawn…) sends the batch back to one-by-one import, each message in its savepoint, so that
    only that one is quarantined. The outcomes of flushed messages are collected in :attr:`outcomes`.
    """

    def __init__(self, *, mailbox: Mailbox | None, lookups: Lookups | None) -> None:
        self.mailbox, self.lookups = mailbox, lookups
        self.waiting: list[_Waiting] = []
        self.message_ids: dict[str, int] = {}  # Message-ID of each waiting message: its index
        self.with_files: set[tuple[str, int]] = set()  # the tickets a waiting reply brings files to
        self.outcomes: list[IngestOutcome] = []

    def answered(self, parsed: ParsedMessage, known: list[Known]) -> int | None:
        """The waiting message that threading will find ``parsed`` answers, once it is written (its
        index); None: another one, on record, comes first, or none."""
        if not self.message_ids:
            return None
        recorded = {
            message_id for message_id, _direction, ticket_id, _digest in known if ticket_id is not None
        }
        for message_id in answered_ids(parsed):
            if message_id in recorded:
                return None
            if message_id in self.message_ids:
                return self.message_ids[message_id]
        return None

    def may_follow(self, user: User, index: int) -> bool:
        """``user`` may write to the ticket of the waiting message ``index`` (a new request: as it
        will be created, its requester, organisation and watchers; False for a new account's)."""
        item = self.waiting[index]
        while item.answers is not None:
            item = self.waiting[item.answers]
        if item.request is None:
            return item.ticket is not None and may_write(user, item.ticket)
        requester = item.request.requester
        watchers = {watcher.pk for watcher in item.request.watchers}
        return authz.can_write_by_mail(
            user, Ticket(requester=requester, organisation_id=requester.organisation_id),
            is_watcher=lambda: user.pk in watchers,
            same_organisation=settings.ESCALADE_MAIL_REPLY_SAME_ORGANISATION,
        )  # fmt: skip

    def behind_files(self, route: Route) -> bool:
        """``route`` replies to a ticket that a waiting reply brings files to: written after the
        replies, those files would come after this reply in the ticket's history, so flush first."""
        return self._thread(route) in self.with_files

    def _thread(self, route: Route) -> tuple[str, int] | None:
        """The ticket a reply goes to: ``("ticket", id)``, or ``("new", index)`` of a waiting request."""
        if route.answers is None:
            return ("ticket", route.ticket.pk) if route.ticket is not None else None
        index = route.answers
        while (answers := self.waiting[index].answers) is not None:
            index = answers
        ticket = self.waiting[index].ticket
        return ("ticket", ticket.pk) if ticket is not None else ("new", index)

    def add(
        self, parsed: ParsedMessage, raw: bytes, *, route: Route, organisation: Organisation | None = None
    ) -> IngestOutcome:
        """Keep for the next flush a new request (from ``route.user``, or from a new account in
        ``organisation``), a reply to an open ticket or to a waiting message; its outcome is
        ``pending`` until then. Raises :class:`Refused` for an empty request."""
        user = route.user
        if route.ticket is not None or route.answers is not None:
            item = _Waiting(raw, parsed, user, ticket=route.ticket, answers=route.answers)
            thread = self._thread(route)
            if parsed.parts and thread is not None:
                self.with_files.add(thread)
        elif user is not None:
            item = _Waiting(
                raw, parsed, user, request=ticket_request(parsed, user, self.mailbox, self.lookups)
            )
        else:
            request_text(parsed)  # an empty one is refused now, as it would be once the account exists
            item = _Waiting(raw, parsed, None, organisation=organisation)
        self.message_ids[parsed.message_id] = len(self.waiting)
        self.waiting.append(item)
        if self.lookups is not None:
            self.lookups.senders.imported(parsed.sender, user)
        return IngestOutcome(kind=PENDING)

    def flush(self) -> bool:
        """Write the waiting messages (see the class); False if none was waiting."""
        waiting, self.waiting, self.message_ids, self.with_files = self.waiting, [], {}, set()
        if not waiting:
            return False
        try:
            with transaction.atomic():
                outcomes = self._write(waiting)
        except OperationalError:
            raise
        except Exception:  # noqa: BLE001 - one of them is at fault: one by one, each in its savepoint
            logger.info("a batch of %d messages failed; importing them one by one", len(waiting))
            if self.lookups is not None:
                self.lookups.tickets.clear()  # routed again on fresh reads
            outcomes = [self._one(item) for item in waiting]
        else:
            if self.lookups is not None:
                self._learn(waiting, outcomes, self.lookups)
        self.outcomes += outcomes
        return True

    def _learn(self, waiting: list[_Waiting], outcomes: list[IngestOutcome], lookups: Lookups) -> None:
        """What the chunk's next messages must see: new senders' accounts, replied tickets changed."""
        for item, outcome in zip(waiting, outcomes, strict=True):
            if item.user is None and outcome.ticket is not None:
                lookups.senders.imported(item.parsed.sender, outcome.ticket.requester, count=False)
        lookups.tickets.forget(
            outcome.ticket.pk for outcome in outcomes if outcome.followup is not None and outcome.ticket
        )

    def _write(self, waiting: list[_Waiting]) -> list[IngestOutcome]:
        tickets, users = self._create(waiting)
        replies = [
            ReplyRequest(actor=by_email(user), ticket=ticket, body=reply_body(item.parsed),
                         channel=Channel.EMAIL)
            for item, ticket, user in zip(waiting, tickets, users, strict=True)
            if not item.is_request
        ]  # fmt: skip
        followups = iter(ticket_reply_many(replies=replies) if replies else [])
        outcomes: list[IngestOutcome] = []
        records: list[MailMessage] = []
        files: list[Files] = []
        for item, ticket, user in zip(waiting, tickets, users, strict=True):
            followup = None if item.is_request else next(followups)
            if followup is not None and item.parsed.parts:
                files.append(Files(item.parsed, ticket, followup, user, len(item.raw)))
            records.append(inbound_record(item.parsed, item.raw, self.mailbox, ticket, followup))
            kind = "followup" if followup is not None else "ticket"
            outcomes.append(IngestOutcome(kind=kind, ticket=ticket, followup=followup))
        attach_files(files)
        MailMessage.objects.bulk_create(records)
        if self.lookups is not None:  # their senders were counted when they were added
            for record in records:
                self.lookups.known.add(
                    message_id=record.message_id, direction=record.direction, ticket_id=record.ticket_id,
                    digest=record.digest,
                )  # fmt: skip
        return outcomes

    def _create(self, waiting: list[_Waiting]) -> tuple[list[Ticket], list[User]]:
        """The waiting messages' tickets and senders: new senders' accounts and new tickets created,
        each ticket as one-by-one import leaves it (with its files), before any reply."""
        accounts: dict[str, User] = {}
        users: list[User] = []
        for item in waiting:
            if item.user is None and item.parsed.sender not in accounts:
                accounts[item.parsed.sender] = sender_create(item.parsed, item.organisation)
            users.append(item.user or accounts[item.parsed.sender])
        requests = [
            item.request or ticket_request(item.parsed, user, self.mailbox, self.lookups)
            for item, user in zip(waiting, users, strict=True)
            if item.is_request
        ]
        actors = [by_email(request.requester) for request in requests]
        assessments = intake_assess_many(requests=[(r.requester.organisation, r.category) for r in requests])
        if any(assessment.is_refused for assessment in assessments):  # quarantined one by one
            raise OutOfContractRefused
        made = ticket_create_many(actor=EMAIL, requests=requests, actors=actors) if requests else []
        for ticket, ticket_actor, assessment in zip(made, actors, assessments, strict=True):
            if assessment.is_out_of_contract:
                intake_decisions_record(
                    actor=ticket_actor, tickets=[ticket], assessments=[assessment], acknowledged=False
                )
        created = iter(made)
        tickets: list[Ticket] = []
        files: list[Files] = []
        for item, user in zip(waiting, users, strict=True):
            if item.is_request:
                ticket = next(created)
                if item.parsed.parts:
                    files.append(Files(item.parsed, ticket, None, user, len(item.raw)))
            elif item.answers is not None:
                ticket = tickets[item.answers]
            elif item.ticket is not None:
                ticket = item.ticket
            else:
                raise ValueError("a waiting message is a new request or a reply")
            tickets.append(ticket)
        attach_files(files)
        return tickets, users

    def _one(self, item: _Waiting) -> IngestOutcome:
        """Import a waiting message on its own, routed again (the messages before it are written)."""
        if self.lookups is not None:
            self.lookups.senders.not_imported(item.parsed.sender)  # counted again if imported now
        return mail_ingest(item.raw, mailbox=self.mailbox, parsed=item.parsed, lookups=self.lookups)
