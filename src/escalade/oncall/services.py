"""Writes of the on-call app: starting a paging, paging a level, escalating, acknowledging, closing;
sending page deliveries.

A paging's state changes under a row lock (``select_for_update``) and only from the state the caller
saw (the escalation sweep checks level, round and due time again once locked), so two workers never
escalate one paging twice. Every page, escalation and acknowledgement is a ``ticket.*`` event.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from escalade.accounts.models import Role, User
from escalade.core.actors import Actor
from escalade.core.errors import ConflictError
from escalade.core.outbox import outbox_defer
from escalade.oncall import channels
from escalade.oncall.links import page_url
from escalade.oncall.models import (
    ContactKind,
    DeliveryState,
    EscalationLevel,
    EscalationPolicy,
    Page,
    PageDelivery,
    Paging,
    TargetKind,
)
from escalade.oncall.selectors import on_call_user
from escalade.tickets.choices import OPEN_STATES
from escalade.tickets.models import Ticket
from escalade.tickets.services._common import record

logger = logging.getLogger(__name__)

RETRY_MINUTES = (1, 5)  # after the first and second failure; the third is final
SYSTEM = Actor.system("oncall")


def policies_active() -> list[EscalationPolicy]:
    """The active policies with their organisations and calendars (two queries)."""
    return list(
        EscalationPolicy.objects.filter(is_active=True)
        .select_related("calendar")
        .prefetch_related("organisations")
        .order_by("name", "id")
    )


def policy_for(ticket: Ticket, *, policies: Sequence[EscalationPolicy]) -> EscalationPolicy | None:
    """The first policy naming the ticket's organisation, else the first for every organisation."""
    general = None
    for policy in policies:
        organisations = {organisation.pk for organisation in policy.organisations.all()}
        if ticket.organisation_id in organisations:
            return policy
        if not organisations and general is None:
            general = policy
    return general


def _levels(policy: EscalationPolicy) -> list[EscalationLevel]:
    return list(policy.levels.select_related("schedule", "user").order_by("position", "id"))


def level_targets(level: EscalationLevel, *, at: dt.datetime) -> list[User]:
    """Whom a level pages at ``at``: the schedule's on-call person, the person, or the supervisors."""
    if level.target == TargetKind.SCHEDULE and level.schedule is not None:
        person = on_call_user(schedule=level.schedule, at=at)
        return [person] if person is not None else []
    if level.target == TargetKind.USER and level.user is not None:
        return [level.user] if level.user.is_active else []
    if level.target == TargetKind.SUPERVISORS:
        return list(User.objects.filter(role=Role.SUPERVISOR, is_active=True).order_by("pk"))
    return []


def paging_start(*, ticket: Ticket, policy: EscalationPolicy, reason: str) -> Paging | None:
    """Page ``ticket`` under ``policy`` from its first level; None if it is already being paged."""
    levels = _levels(policy)
    if not levels:
        return None
    now = timezone.now()
    try:
        with transaction.atomic():
            paging = Paging.objects.create(ticket=ticket, policy=policy, reason=reason[:200], created_at=now)
    except IntegrityError:
        return None  # an open paging already exists for this ticket
    _page_level(paging, ticket, levels, now)
    return paging


def _page_level(paging: Paging, ticket: Ticket, levels: Sequence[EscalationLevel], now: dt.datetime) -> None:
    level = levels[paging.level]
    paging.next_escalation_at = now + dt.timedelta(minutes=level.wait_minutes)
    paging.save(update_fields=["level", "round", "next_escalation_at"])
    people = level_targets(level, at=now)
    if not people:
        logger.warning("paging %s: level %s has nobody to page", paging.pk, paging.level + 1)
    deliveries: list[PageDelivery] = []
    for person in people:
        page = Page.objects.create(
            paging=paging, user=person, level=paging.level, round=paging.round, created_at=now
        )
        deliveries += _deliveries(page, person, ticket)
        record(
            actor=SYSTEM, ticket=ticket, action="ticket.paged",
            data={
                "user": person.pk, "user_label": person.full_name or person.email, "level": paging.level,
                "round": paging.round, "reason": paging.reason, "paging": paging.pk,
                "channels": sorted({delivery.kind for delivery in deliveries if delivery.page_id == page.pk}),
            },
        )  # fmt: skip
    if deliveries:
        created = PageDelivery.objects.bulk_create(deliveries)
        from escalade.oncall.tasks import deliver  # noqa: PLC0415 - the tasks module imports this one

        outbox_defer(deliver, [delivery.pk for delivery in created])


def page_text(*, ticket: Ticket, person: User, paging: Paging) -> str:
    """The page's message in the person's language: a subject line, then the links."""
    with translation.override(person.language or "fr"):
        subject = _("[On call] %(reference)s P%(priority)s %(title)s") % {
            "reference": ticket.reference, "priority": ticket.priority, "title": ticket.title,
        }  # fmt: skip
        link = page_url(paging_id=paging.pk, user_id=person.pk)
        body = _("%(reason)s\nAcknowledge or resolve: %(link)s") % {
            "reason": _(paging.reason) if paging.reason else "",
            "link": link,
        }
    return f"{subject}\n{body}"


def _deliveries(page: Page, person: User, ticket: Ticket) -> list[PageDelivery]:
    text = page_text(ticket=ticket, person=person, paging=page.paging)
    methods = [(m.kind, m.address) for m in person.contact_methods.filter(is_active=True).order_by("id")]
    if not methods:
        methods = [(ContactKind.EMAIL, "")]
    return [
        PageDelivery(
            page=page, kind=kind, address=address or person.email, text=text, next_attempt_at=page.created_at
        )
        for kind, address in methods
    ]


@transaction.atomic
def paging_acknowledge(*, actor: Actor, paging: Paging) -> Paging:
    """Someone answers: escalation stops. Acknowledging twice is refused (409)."""
    paging = Paging.objects.select_for_update().select_related("ticket").get(pk=paging.pk)
    if paging.closed_at is not None or paging.acknowledged_at is not None:
        raise ConflictError(_("This page is already acknowledged or over."), field="paging")
    paging.acknowledged_at = timezone.now()
    paging.acknowledged_by = actor.user
    paging.next_escalation_at = None
    paging.save(update_fields=["acknowledged_at", "acknowledged_by", "next_escalation_at"])
    label = actor.user.full_name or actor.user.email if actor.user else actor.label
    record(
        actor=actor, ticket=paging.ticket, action="ticket.page_acknowledged",
        data={"paging": paging.pk, "user_label": label, "level": paging.level},
    )  # fmt: skip
    return paging


def pagings_close(*, tickets: Sequence[Ticket], reason: str) -> int:
    """End the open pagings of ``tickets`` (resolved, closed, merged): nobody is paged for them any more."""
    now = timezone.now()
    open_pagings = list(Paging.objects.select_for_update().filter(ticket__in=tickets, closed_at__isnull=True))
    by_ticket = {ticket.pk: ticket for ticket in tickets}
    for paging in open_pagings:
        paging.closed_at, paging.next_escalation_at = now, None
        paging.save(update_fields=["closed_at", "next_escalation_at"])
        record(
            actor=SYSTEM, ticket=by_ticket[paging.ticket_id], action="ticket.paging_ended",
            data={"paging": paging.pk, "reason": reason, "level": paging.level},
        )  # fmt: skip
    return len(open_pagings)


def escalations_due(*, now: dt.datetime) -> list[int]:
    return list(
        Paging.objects.filter(
            closed_at__isnull=True, acknowledged_at__isnull=True, next_escalation_at__lte=now
        )
        .order_by("next_escalation_at", "id")
        .values_list("pk", flat=True)[:500]
    )


def escalations_sweep(*, now: dt.datetime | None = None) -> int:
    """Escalate every paging whose wait is over and nobody acknowledged (each in its own transaction)."""
    now = now or timezone.now()
    done = 0
    for paging_id in escalations_due(now=now):
        try:
            done += _escalate(paging_id, now)
        except Exception:  # one paging's failure must not stop the others
            logger.exception("escalation of paging %s failed; tried again next minute", paging_id)
    return done


def _escalate(paging_id: int, now: dt.datetime) -> int:
    with transaction.atomic():
        rows = Paging.objects.select_related("ticket", "policy")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        else:
            rows = rows.select_for_update()
        paging = rows.filter(
            pk=paging_id, closed_at__isnull=True, acknowledged_at__isnull=True, next_escalation_at__lte=now
        ).first()
        if paging is None:
            return 0  # acknowledged, closed, or escalated by another worker meanwhile
        if paging.ticket.state not in OPEN_STATES:  # resolved without the paging being closed
            pagings_close(tickets=[paging.ticket], reason=gettext_noop("The ticket is resolved."))
            return 0
        levels = _levels(paging.policy)
        paging.level += 1
        if paging.level >= len(levels):
            paging.level, paging.round = 0, paging.round + 1
        if paging.round > paging.policy.repeat or not levels:
            paging.next_escalation_at = None
            paging.save(update_fields=["next_escalation_at"])
            record(
                actor=SYSTEM, ticket=paging.ticket, action="ticket.paging_ended",
                data={"paging": paging.pk, "reason": gettext_noop("Nobody acknowledged."),
                      "level": len(levels) - 1},
            )  # fmt: skip
            return 1
        record(
            actor=SYSTEM, ticket=paging.ticket, action="ticket.page_escalated",
            data={"paging": paging.pk, "level": paging.level, "round": paging.round},
        )  # fmt: skip
        _page_level(paging, paging.ticket, levels, now)
    return 1


# ---------------------------------------------------------------- sending


def deliveries_due(*, now: dt.datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        PageDelivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:500]
    )


def deliveries_send(*, ids: Sequence[int]) -> int:
    """Send the pending deliveries of ``ids``; each is claimed first (a conditional update), so a second
    task naming it leaves it alone. Returns how many were sent."""
    sent = 0
    for delivery in PageDelivery.objects.filter(pk__in=ids, state=DeliveryState.PENDING).order_by("pk"):
        now = timezone.now()
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            continue
        attempt = delivery.attempts + 1
        wait = RETRY_MINUTES[min(attempt, len(RETRY_MINUTES)) - 1]
        claimed = PageDelivery.objects.filter(
            pk=delivery.pk, state=DeliveryState.PENDING, attempts=delivery.attempts
        )
        if not claimed.update(attempts=attempt, next_attempt_at=now + dt.timedelta(minutes=wait)):
            continue
        adapter = channels.ADAPTERS.get(delivery.kind)
        try:
            if adapter is None:
                raise channels.ChannelError(f"no adapter for {delivery.kind}")
            adapter(delivery)
        except channels.ChannelError as error:
            final = attempt > len(RETRY_MINUTES)
            PageDelivery.objects.filter(pk=delivery.pk).update(
                error=str(error)[:500], state=DeliveryState.FAILED if final else DeliveryState.PENDING
            )
            continue
        PageDelivery.objects.filter(pk=delivery.pk).update(
            state=DeliveryState.SENT, sent_at=timezone.now(), error=""
        )
        sent += 1
    return sent
