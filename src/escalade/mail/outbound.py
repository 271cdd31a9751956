"""Notification mail: which event mails whom, composed in the recipient's language, sent after commit."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, prefetch_related_objects
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from escalade.accounts.models import Role, TeamMembership, User
from escalade.core.actors import Actor
from escalade.core.db import on_fresh_connection
from escalade.core.models import Event
from escalade.core.outbox import outbox_defer
from escalade.core.services import event_record
from escalade.mail.models import BouncingAddress, Direction, Mailbox, MailMessage, OutboundMail, OutboundState
from escalade.mail.parsing import ParsedMessage, address_of
from escalade.notifications.models import Notification, NotificationKind
from escalade.notifications.services import Notice, deliver
from escalade.tickets.choices import State
from escalade.tickets.models import FollowUp, Ticket

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 6
SEND_LEASE = dt.timedelta(minutes=5)  # a send in progress; then the sweep may try again
AGENT_KINDS = frozenset({"assigned", "escalated", "sla_warning", "sla_breached", "requester_reply"})


class _Staff:
    """The agents to mail about some tickets: their assignees, else the active members of their teams,
    each read on first need for all the tickets together (one query however many events need them)."""

    def __init__(self, tickets: Iterable[Ticket]) -> None:
        self.tickets = list(tickets)
        self.members: dict[int, list[User]] | None = None
        self.assignees_read = False

    def of(self, ticket: Ticket) -> list[User]:
        if ticket.assignee_id:
            if not self.assignees_read:
                prefetch_related_objects([other for other in self.tickets if other.assignee_id], "assignee")
                self.assignees_read = True
            return [ticket.assignee] if ticket.assignee is not None else []
        return self._team(ticket.team_id) if ticket.team_id else []

    def _team(self, team_id: int) -> list[User]:
        if self.members is None:
            self.members = {}
            teams = {ticket.team_id for ticket in self.tickets if not ticket.assignee_id and ticket.team_id}
            memberships = (
                TeamMembership.objects.filter(team_id__in=teams, user__is_active=True)
                .select_related("user").order_by("user__full_name", "user_id")
            )  # fmt: skip
            for membership in memberships:
                self.members.setdefault(membership.team_id, []).append(membership.user)
        return list(self.members.get(team_id, ()))


def _customer_recipients(ticket: Ticket) -> list[User]:
    return [ticket.requester, *ticket.watchers.filter(is_active=True)]


def _plan(event: Event, ticket: Ticket, staff: _Staff) -> list[tuple[str, list[User]]]:  # noqa: PLR0911 - one per action
    action, changes = event.action, event.changes
    if action == "ticket.created":
        plan = [("ticket_received", [ticket.requester])]
        return plan + ([("assigned", [ticket.assignee])] if ticket.assignee else [])
    if action == "ticket.replied":  # the reply's author is the event's actor, who is not mailed
        # Escalade itself (an automation rule's reminder) answers for the desk.
        by_staff = event.actor_kind == Event.ActorKind.SYSTEM or (
            event.actor is not None and event.actor.is_provider_staff
        )
        if by_staff:
            return [("agent_reply", _customer_recipients(ticket))]
        return [("requester_reply", staff.of(ticket))]
    if action == "ticket.state_changed" and changes.get("state", {}).get("to") == State.PENDING_REQUESTER:
        return [("waiting_for_you", [ticket.requester])]
    if action == "ticket.resolved":
        return [("resolved", _customer_recipients(ticket))]
    if action == "ticket.assigned" and ticket.assignee and "assignee" in changes:
        return [("assigned", [ticket.assignee])]
    if action == "ticket.escalated":
        return [("escalated", staff.of(ticket))]
    if action == "ticket.handed_back":
        return [("handed_back", staff.of(ticket))]
    if action in SLA_ACTIONS:
        # The person working on it, else the team whose queue it is in; and the supervisors.
        owners = [ticket.assignee] if ticket.assignee else staff.of(ticket)
        policy = ticket.sla_policy if ticket.sla_policy_id else None
        # Supervisors hear of breaches (unless the policy says not), not of every warning.
        told = action == "ticket.sla_breached" and (policy is None or policy.notify_supervisor_on_breach)
        supervisors = User.objects.filter(role=Role.SUPERVISOR, is_active=True) if told else []
        return [(action.removeprefix("ticket."), [*owners, *supervisors])]
    return []


def mail_on_ticket_event(*, event: Event, ticket: Ticket) -> list[OutboundMail]:
    """Queue the notification mails that ``event`` calls for; each is sent by the worker after commit.

    Called by ``escalade.tickets.services._common.record`` inside the ticket's transaction. The person
    who acted is not mailed about their own action (except the acknowledgement of a new ticket);
    addresses known to bounce are not mailed. Here the recipients are chosen and one row per mail is
    written (one insert for the event); the worker composes and sends them (:func:`outbound_send`).
    """
    return mail_on_ticket_events(pairs=[(event, ticket)])


def mail_on_ticket_events(*, pairs: Sequence[tuple[Event, Ticket]]) -> list[OutboundMail]:
    """:func:`mail_on_ticket_event` for many events (bulk creation and replies): the same news, one
    insert of notifications and one of mails, and the members of the teams concerned read in one query.

    Each recipient hears of it through their channel for the kind (``notifications.notify_many``):
    at once by mail, under the bell only, in the daily digest, or not at all.
    """
    staff = _Staff(ticket for _event, ticket in pairs)
    # One SLA alert of a kind per person and ticket within SLA_MAIL_QUIET: the sweep that finds the
    # first response missed finds the resolution missed minutes later, and nobody needs "SLA breached"
    # twice for one late ticket.
    seen = _recent_sla_alerts([ticket.pk for event, ticket in pairs if event.action in SLA_ACTIONS])
    notices = []
    for event, ticket in pairs:
        for kind, person in _wanted(event, ticket, staff):
            topic = MAIL_TOPICS[kind]
            if event.action in SLA_ACTIONS:  # other news (two replies) is two notifications
                key = (topic, person.pk, ticket.pk)
                if key in seen:
                    continue
                seen.add(key)
            data = {"target": event.data["target"]} if "target" in event.data else {}
            template = kind
            if kind == "handed_back":  # no template of its own: a short mail with the bell's words
                data, template = {"handed_back": True}, ""
            notices.append(
                Notice(
                    recipients=[person], kind=topic, ticket=ticket, event=event, data=data, mail_kind=template
                )
            )
    return deliver(notices=notices).mails if notices else []


SLA_ACTIONS = frozenset({"ticket.sla_warning", "ticket.sla_breached"})
SLA_MAIL_QUIET = dt.timedelta(hours=1)
# The notification kind (what people choose a channel for) of each mail template.
MAIL_TOPICS = {
    "ticket_received": NotificationKind.TICKET_RECEIVED, "agent_reply": NotificationKind.AGENT_REPLY,
    "requester_reply": NotificationKind.REQUESTER_REPLY, "waiting_for_you": NotificationKind.WAITING_FOR_YOU,
    "resolved": NotificationKind.RESOLVED, "assigned": NotificationKind.ASSIGNED,
    "escalated": NotificationKind.ESCALATED, "handed_back": NotificationKind.ESCALATED,
    "sla_warning": NotificationKind.SLA_WARNING,
    "sla_breached": NotificationKind.SLA_BREACH, "survey": NotificationKind.SURVEY,
    "credit_threshold": NotificationKind.CONTRACT, "contract_date": NotificationKind.CONTRACT,
}  # fmt: skip


def _recent_sla_alerts(ticket_ids: Sequence[int]) -> set[tuple[str, int, int]]:
    if not ticket_ids:
        return set()
    since = timezone.now() - SLA_MAIL_QUIET
    return {
        (kind, recipient_id, ticket_id)
        for kind, recipient_id, ticket_id in Notification.objects.filter(
            ticket_id__in=ticket_ids,
            kind__in=[NotificationKind.SLA_WARNING, NotificationKind.SLA_BREACH],
            created_at__gte=since,
        ).values_list("kind", "recipient_id", "ticket_id")
        if ticket_id is not None
    }


def _wanted(event: Event, ticket: Ticket, staff: _Staff) -> list[tuple[str, User]]:
    wanted: list[tuple[str, User]] = []
    for kind, people in _plan(event, ticket, staff):
        seen: set[int] = set()
        for person in people:
            own_action = person is not None and person.pk == event.actor_id and kind != "ticket_received"
            if person is None or not person.is_active or person.pk in seen or own_action:
                continue
            seen.add(person.pk)
            wanted.append((kind, person))
    return wanted


def _is_ours(address: str) -> bool:
    """One of Escalade's own addresses (a mailbox it polls, its sender): mailing it makes a loop,
    whoever the account that bears it (a message "from" a mailbox creates one)."""
    address = address.strip().lower()
    ours = address == address_of(settings.DEFAULT_FROM_EMAIL)
    return ours or Mailbox.objects.filter(email__iexact=address).exists()


def _domain() -> str:
    return address_of(settings.DEFAULT_FROM_EMAIL).partition("@")[2] or "escalade.invalid"


def _reply_address(ticket_id: int | None) -> str:
    """The address of the mailbox the ticket came in through, else the first active one."""
    address = (
        MailMessage.objects.filter(ticket=ticket_id, direction=Direction.INBOUND, mailbox__isnull=False)
        .order_by("id")
        .values_list("mailbox__email", flat=True)
        .first()
    )
    if address is None:
        address = (
            Mailbox.objects.filter(is_active=True).order_by("pk").values_list("email", flat=True).first()
        )
    return address or address_of(settings.DEFAULT_FROM_EMAIL)


def render(kind: str, *, language: str, context: dict[str, object], time_zone: str = "") -> tuple[str, str]:
    """Subject and body of ``mail/<language>/<kind>.txt`` (first line: subject); dates in ``time_zone``."""
    with translation.override(language), timezone.override(time_zone or settings.TIME_ZONE):
        text = render_to_string(f"mail/{language}/{kind}.txt", context)
    subject, _blank, body = text.strip().partition("\n")
    return " ".join(subject.split()), body.strip() + "\n"


def _queue(wanted: Sequence[tuple[str, User, Ticket | None, Event | None]]) -> list[OutboundMail]:
    """Write one mail per ``(kind, recipient, ticket, event)`` (one insert) and send each from the
    worker after commit.

    Everything else is done by the worker, once the transaction has committed: composing the text,
    checking that the address does not bounce, the Reply-To address and the threading headers (by then
    the message that opened the ticket is on record, whatever the order of writes here).
    """
    if not wanted:
        return []
    domain = _domain()
    mails = OutboundMail.objects.bulk_create(
        OutboundMail(
            ticket=ticket, recipient=person, to=person.email, kind=kind, event=event,
            language=person.language if person.language in {"fr", "en"} else settings.LANGUAGE_CODE,
            message_id=f"<esc.{ticket.pk if ticket else 0}.{secrets.token_hex(8)}@{domain}>",
        )
        for kind, person, ticket, event in wanted
    )  # fmt: skip
    _send_after_commit(mails)
    return mails


def _send_after_commit(mails: Sequence[OutboundMail]) -> None:
    from escalade.mail.tasks import MAILS_PER_TASK, send_mails  # noqa: PLC0415 - tasks import this module

    ids = [mail.pk for mail in mails]
    for start in range(0, len(ids), MAILS_PER_TASK):
        outbox_defer(send_mails, ids[start : start + MAILS_PER_TASK])


def outbound_queue_many(
    wanted: Sequence[tuple[str, User, Ticket | None, Event | None]],
) -> list[OutboundMail]:
    """Queue one templated mail per ``(kind, recipient, ticket, event)``, chosen by
    ``notifications.notify_many`` through each recipient's preferences (one insert)."""
    return _queue(wanted)


def outbound_queue_texts(
    *, kind: str, items: Sequence[tuple[User, Ticket | None, Event | None, str, str, str]]
) -> list[OutboundMail]:
    """Queue mails already written: ``(recipient, ticket, event, language, subject, body)`` each (a
    notification without a template of its own, a daily digest). One insert; sent after commit."""
    if not items:
        return []
    domain = _domain()
    mails = OutboundMail.objects.bulk_create(
        OutboundMail(
            ticket=ticket, recipient=person, to=person.email, kind=kind, event=event, language=language,
            subject=subject[:300], body=body,
            message_id=f"<esc.{ticket.pk if ticket else 0}.{secrets.token_hex(8)}@{domain}>",
        )
        for person, ticket, event, language, subject, body in items
    )  # fmt: skip
    _send_after_commit(mails)
    return mails


def outbound_queue(*, kind: str, ticket: Ticket, recipient: User, event: Event | None = None) -> OutboundMail:
    """Queue one mail to ``recipient``; the worker composes and sends it once the transaction commits."""
    [mail] = _queue([(kind, recipient, ticket, event)])
    return mail


def _compose(mail: OutboundMail) -> None:
    """Write the mail's subject and body in its language, and record its Message-ID (for replies)."""
    event, ticket, recipient = mail.event, mail.ticket, mail.recipient
    followup = None
    if event is not None and event.data.get("followup"):
        followup = FollowUp.objects.select_related("author").filter(pk=event.data["followup"]).first()
    site = settings.ESCALADE_SITE_URL
    where = {"reference": ticket.reference if ticket is not None else ""}
    context = {
        "ticket": ticket, "recipient": recipient, "followup": followup, "site_url": site,
        "portal_url": site + reverse("portal:ticket", kwargs=where) if ticket is not None else site,
        "workspace_url": site + reverse("workspace:ticket", kwargs=where) if ticket is not None else site,
        "reason": (event.data.get("reason", "") if event is not None else ""),
        "data": event.data if event is not None else {},  # a mail about no ticket (a contract alert)
        "reopen_days": settings.ESCALADE_REOPEN_WINDOW_DAYS,
    }  # fmt: skip
    time_zone = recipient.time_zone if recipient is not None else ""
    subject, mail.body = render(mail.kind, language=mail.language, context=context, time_zone=time_zone)
    mail.subject = subject[:300]
    MailMessage.objects.create(
        direction=Direction.OUTBOUND, message_id=mail.message_id, ticket=ticket, followup=followup,
        sender=address_of(settings.DEFAULT_FROM_EMAIL), subject=mail.subject,
    )  # fmt: skip


def _thread_headers(mail: OutboundMail) -> tuple[str, str]:
    """In-Reply-To: the ticket's latest message from this person (else the first); References: the chain."""
    if mail.ticket_id is None:
        return "", ""
    history = list(
        MailMessage.objects.filter(ticket=mail.ticket_id).exclude(message_id=mail.message_id).order_by("id")
        .values_list("message_id", "sender", "direction")[:200]
    )  # fmt: skip
    if not history:
        return "", ""
    theirs = [mid for mid, sender, direction in history if direction == "in" and sender == mail.to]
    parent = theirs[-1] if theirs else history[0][0]
    chain = [history[0][0], *[mid for mid, _s, _d in history[-9:]]]
    return parent, " ".join(dict.fromkeys(chain))


def outbound_send(*, mail_id: int) -> OutboundMail:
    """Send one queued mail, at most once however many tasks ask for it.

    The mail is claimed (``sending``, with a lease of :data:`SEND_LEASE`) in a short transaction before
    it is handed to the mail server: a second task for the same mail (the outbox relay after a queue
    outage, the sweep) finds it sent or claimed and returns. A worker that dies mid-send leaves the
    claim to expire; the sweep then sends it again. A mail to an address known to bounce is
    ``suppressed`` instead. On failure the attempt and error are recorded, the next attempt is set
    (exponential backoff, :func:`backoff`) and the exception re-raised; after the last attempt the
    mail is ``failed`` and a ``ticket.mail_failed`` event shows on the ticket.
    """
    now = timezone.now()
    with transaction.atomic():
        mail = (
            OutboundMail.objects.select_for_update(of=("self",))
            .select_related("ticket", "recipient", "event")
            .get(pk=mail_id)
        )
        if mail.state in {OutboundState.SENT, OutboundState.SUPPRESSED, OutboundState.FAILED}:
            return mail
        if mail.state == OutboundState.SENDING and mail.next_attempt_at and mail.next_attempt_at > now:
            return mail  # another worker holds it
        if BouncingAddress.objects.filter(email=mail.to).exists() or _is_ours(mail.to):
            OutboundMail.objects.filter(pk=mail.pk).update(
                state=OutboundState.SUPPRESSED, next_attempt_at=None
            )
            mail.state = OutboundState.SUPPRESSED
            return mail
        if not mail.body:  # the first attempt composes; retries send the same text
            _compose(mail)
        if not mail.in_reply_to:
            mail.in_reply_to, mail.references = _thread_headers(mail)
        if not mail.reply_to:
            mail.reply_to = _reply_address(mail.ticket_id)
        OutboundMail.objects.filter(pk=mail.pk).update(
            attempts=F("attempts") + 1, in_reply_to=mail.in_reply_to, references=mail.references,
            reply_to=mail.reply_to, subject=mail.subject, body=mail.body, state=OutboundState.SENDING,
            next_attempt_at=now + SEND_LEASE,
        )  # fmt: skip
    try:
        _deliver(mail)
    except Exception as error:
        _record_failure(mail, error)
        raise
    # The mail server has it: record that even if the connection was lost meanwhile, or the claim
    # would expire and the mail go out twice.
    on_fresh_connection(
        lambda: OutboundMail.objects.filter(pk=mail.pk).update(
            state=OutboundState.SENT, sent_at=timezone.now(), last_error="", next_attempt_at=None
        )
    )
    mail.refresh_from_db()
    return mail


def outbound_due(*, limit: int = 500) -> list[int]:
    """The mails whose next attempt is due: queued ones whose task never ran (the queue lost it),
    retries after their backoff, claims whose worker died. Oldest first."""
    return list(
        OutboundMail.objects.filter(
            state__in=(OutboundState.QUEUED, OutboundState.RETRYING, OutboundState.SENDING),
            next_attempt_at__lte=timezone.now(),
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def backoff(attempts: int) -> int:
    """Seconds before the next attempt: 1, 2, 4, 8, 16 minutes… at most an hour."""
    return int(min(60 * 2 ** max(attempts - 1, 0), 3600))


def _deliver(mail: OutboundMail) -> None:
    headers = {
        "Message-ID": mail.message_id,
        "X-Escalade-Ticket": mail.ticket.reference if mail.ticket else "",
        "X-Auto-Response-Suppress": "All",  # ask Exchange not to answer with out-of-office replies
    }
    if mail.kind == "ticket_received":
        headers["Auto-Submitted"] = "auto-replied"  # RFC 3834: other robots must not answer it
    if mail.in_reply_to:
        headers["In-Reply-To"] = mail.in_reply_to
        headers["References"] = mail.references or mail.in_reply_to
    message = EmailMessage(
        subject=mail.subject, body=mail.body, from_email=settings.DEFAULT_FROM_EMAIL, to=[mail.to],
        reply_to=[mail.reply_to] if mail.reply_to else None, headers=headers,
    )  # fmt: skip
    message.send()


def _record_failure(mail: OutboundMail, error: Exception) -> None:
    attempts = OutboundMail.objects.values_list("attempts", flat=True).get(pk=mail.pk)
    final = attempts >= MAX_ATTEMPTS
    state = OutboundState.FAILED if final else OutboundState.RETRYING
    text = f"{type(error).__name__}: {error}"[:2000]
    next_attempt = None if final else timezone.now() + dt.timedelta(seconds=backoff(attempts))
    OutboundMail.objects.filter(pk=mail.pk).update(state=state, last_error=text, next_attempt_at=next_attempt)
    logger.warning("mail %s to %s failed (attempt %s): %s", mail.pk, mail.to, attempts, text)
    if final and mail.ticket is not None:
        event_record(
            actor=Actor.system("mail"), obj=mail.ticket, action="ticket.mail_failed",
            data={"to": mail.to, "kind": mail.kind, "error": text[:300]},
            organisation_id=mail.ticket.organisation_id,
        )  # fmt: skip


def bounce_record(parsed: ParsedMessage) -> list[str]:
    """Note the addresses a delivery-failure report names; mark the mail it reports as failed."""
    from escalade.mail.noise import bounce_of  # noqa: PLC0415 - noise imports models only

    bounce = bounce_of(parsed)
    if bounce is None:
        return []
    for address, reason in bounce.addresses.items():
        updated = BouncingAddress.objects.filter(email=address).update(
            bounces=F("bounces") + 1, last_reason=reason[:300]
        )
        if not updated:
            BouncingAddress.objects.create(email=address[:254], last_reason=reason[:300])
    if bounce.original_message_id:
        OutboundMail.objects.filter(message_id=bounce.original_message_id).update(
            state=OutboundState.FAILED, last_error="bounced: " + "; ".join(bounce.addresses.values())[:1900]
        )
    return list(bounce.addresses)


def outbound_for_ticket(ticket: Ticket) -> Iterable[OutboundMail]:
    """The mails about a ticket, newest first (for the agent's view: failures are visible there)."""
    return OutboundMail.objects.filter(ticket=ticket).order_by("-id")
