"""Satisfaction surveys (CSAT): planned at resolution, mailed after a delay through the outbound mail
path, answered with one click from a signed, expiring link (no sign-in) or from the portal.

The link carries only the ticket's id, signed with the secret key under its own salt and checked for
age (``ESCALADE_SURVEY_ANSWER_DAYS``): it opens that ticket's survey and nothing else.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.core.actors import Actor
from escalade.core.errors import ConflictError, ValidationFailed
from escalade.core.events import publish
from escalade.core.services import event_build
from escalade.notifications.models import NotificationKind
from escalade.notifications.services import Notice, notify, notify_many, supervisors
from escalade.reports.models import Survey
from escalade.reports.rollups import facts_refresh
from escalade.tickets.choices import State
from escalade.tickets.models import Ticket

SALT = "escalade.reports.survey"
BAD_SCORE = 2  # 1 and 2 of 5: the supervisors hear of it
SEND_BATCH = 200


def survey_token(*, ticket_id: int) -> str:
    """The signed token of a ticket's survey link."""
    return signing.dumps(ticket_id, salt=SALT, compress=False)


def survey_url(*, ticket_id: int, score: int | None = None) -> str:
    """The absolute link of a ticket's survey (with a score: the one-click answer)."""
    token = survey_token(ticket_id=ticket_id)
    if score is None:
        path = reverse("reports:survey", kwargs={"token": token})
    else:
        path = reverse("reports:survey_score", kwargs={"token": token, "score": score})
    return settings.ESCALADE_SITE_URL + path


def survey_from_token(token: str) -> Survey | None:
    """The survey a token opens, or None when it is forged, expired or its survey is gone."""
    max_age = dt.timedelta(days=settings.ESCALADE_SURVEY_ANSWER_DAYS)
    try:
        ticket_id = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    if not isinstance(ticket_id, int):
        return None
    return Survey.objects.select_related("ticket__requester").filter(ticket_id=ticket_id).first()


def survey_plan(*, tickets: list[Ticket]) -> None:
    """Plan the survey of each newly resolved ticket (one per ticket: a ticket resolved again after a
    reopening keeps its survey and answer; one not yet sent waits for the new resolution)."""
    channels = set(settings.ESCALADE_SURVEY_CHANNELS)
    wanted = [t for t in tickets if t.channel in channels and t.state == State.RESOLVED]
    if not wanted:
        return
    send_after = timezone.now() + dt.timedelta(minutes=settings.ESCALADE_SURVEY_DELAY_MINUTES)
    existing = set(Survey.objects.filter(ticket__in=wanted).values_list("ticket_id", flat=True))
    Survey.objects.filter(ticket__in=wanted, sent_at__isnull=True).update(send_after=send_after)
    Survey.objects.bulk_create(
        [Survey(ticket=ticket, send_after=send_after) for ticket in wanted if ticket.pk not in existing]
    )


def surveys_send_due(*, now: dt.datetime | None = None) -> int:
    """Mail the surveys whose delay is over (each exactly once: the row is claimed before the mail is
    queued, in one transaction); tickets reopened meanwhile wait for their next resolution."""
    now = now or timezone.now()
    sent = 0
    with transaction.atomic():
        due = list(
            Survey.objects.select_for_update(skip_locked=True)
            .select_related("ticket__requester")
            .filter(
                sent_at__isnull=True, send_after__lte=now, ticket__state__in=[State.RESOLVED, State.CLOSED]
            )
            .order_by("send_after")[:SEND_BATCH]
        )
        notices: list[Notice] = []
        for survey in due:
            requester = survey.ticket.requester
            survey.sent_at = now
            survey.answer_until = now + dt.timedelta(days=settings.ESCALADE_SURVEY_ANSWER_DAYS)
            if requester.is_active and requester.email:
                notices.append(
                    Notice(recipients=[requester], kind=NotificationKind.SURVEY, ticket=survey.ticket,
                           mail_kind="survey")
                )  # fmt: skip
                sent += 1
        Survey.objects.bulk_update(due, ["sent_at", "answer_until"])
        notify_many(notices=notices)  # the requester may have turned survey mail off
    return sent


@transaction.atomic
def survey_answer(*, actor: Actor, survey: Survey, score: int, comment: str | None = None) -> Survey:
    """Record (or change, while allowed) the requester's score and optional comment.

    A bad score notifies the supervisors once per answer that turns bad.
    """
    survey = Survey.objects.select_for_update().select_related("ticket").get(pk=survey.pk)
    if score not in Survey.Score.values:
        raise ValidationFailed(_("Choose a score from 1 to 5."), field="score")
    now = timezone.now()
    if survey.answer_until is not None and now > survey.answer_until:
        raise ConflictError(_("This survey is closed."), field="score")
    before = {"score": survey.score, "comment": survey.comment}
    was_bad = survey.score is not None and survey.score <= BAD_SCORE
    survey.score = score
    if comment is not None:
        survey.comment = comment.strip()[:4000]
    survey.answered_at = now
    if survey.answer_until is None:  # answered from the portal before the mail went out
        survey.answer_until = now + dt.timedelta(days=settings.ESCALADE_SURVEY_ANSWER_DAYS)
    survey.save(update_fields=["score", "comment", "answered_at", "answer_until"])
    ticket = survey.ticket
    changes = {
        key: {"from": before[key], "to": getattr(survey, key)}
        for key in ("score", "comment")
        if before[key] != getattr(survey, key)
    }
    event = event_build(
        actor=actor, obj=survey, action="survey.answered", changes=changes,
        organisation_id=ticket.organisation_id,
    )  # fmt: skip
    event.save(force_insert=True)
    publish([event], [survey])
    facts_refresh(changed=[ticket])
    if score <= BAD_SCORE and not was_bad:
        notify(
            recipients=supervisors(), kind=NotificationKind.BAD_SURVEY, ticket=ticket, event=event,
            data={"score": score},
        )  # fmt: skip
    return survey
