"""Reporting tables: one fact row per ticket, daily rollups derived from them, surveys, absences.

The facts and rollups are derived data: ``manage.py reports_rebuild`` recomputes both from the tickets
and their events (ADR 0021). Organisation, team and category are plain integers (0: none), not foreign
keys: a rollup row outlives nothing and joins nothing, and a unique key over nullable columns would
not be unique on PostgreSQL.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.tickets.models import Ticket

NONE = 0  # no team / no category in the integer keys


class TicketFact(models.Model):
    """What the reports count of one ticket, as it stands now (recomputed at each of its events).

    The days are local days in the desk's time zone (``TIME_ZONE``); durations are business seconds
    in the calendar of the ticket's SLA policy (the default policy's calendar without one).
    """

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, primary_key=True, related_name="+")
    organisation_id = models.IntegerField()
    team_id = models.IntegerField(default=NONE)
    category_id = models.IntegerField(default=NONE)
    channel = models.CharField(max_length=16)
    assignee_id = models.IntegerField(default=NONE)
    priority = models.PositiveSmallIntegerField(default=4)
    created_day = models.DateField()
    first_response_day = models.DateField(null=True)
    resolved_day = models.DateField(null=True)
    first_response_seconds = models.BigIntegerField(null=True)
    resolution_seconds = models.BigIntegerField(null=True)
    first_response_met = models.BooleanField(null=True)  # None: no target, or no response yet
    resolution_met = models.BooleanField(null=True)  # None: no target, or not resolved
    reopens = models.PositiveIntegerField(default=0)
    max_level = models.PositiveSmallIntegerField(default=1)
    is_first_contact = models.BooleanField(default=False)  # resolved at L1, never escalated nor reopened
    is_self_service = models.BooleanField(default=False)  # resolved at level 0
    csat_score = models.PositiveSmallIntegerField(null=True)

    class Meta:
        verbose_name = _("ticket fact")
        verbose_name_plural = _("ticket facts")
        indexes = (
            # Percentiles of a period (and a client): the durations come from the index alone.
            models.Index(
                fields=("resolved_day", "organisation_id", "resolution_seconds"), name="fact_resolved_idx"
            ),
            models.Index(
                fields=("first_response_day", "organisation_id", "first_response_seconds"),
                name="fact_first_response_idx",
            ),
            # Satisfaction per agent, team, client, category: the answered tickets only, from the
            # index alone (without it a year of all clients read every fact of the year).
            models.Index(
                fields=("resolved_day", "organisation_id"),
                include=("assignee_id", "team_id", "category_id", "csat_score"),
                condition=models.Q(csat_score__isnull=False),
                name="fact_csat_idx",
            ),
        )

    def __str__(self) -> str:
        return f"fact {self.ticket_id}"


class DailyRollup(models.Model):
    """The counters of one local day × client × team × category × channel.

    A ticket counts in the bucket of its creation day (created, escalations), of its first response
    (first-response figures) and of its last resolution (resolution figures, reopen, first contact,
    self-service, satisfaction), always under its current team, category and channel.
    """

    day = models.DateField()
    organisation_id = models.IntegerField()
    team_id = models.IntegerField(default=NONE)
    category_id = models.IntegerField(default=NONE)
    channel = models.CharField(max_length=16)
    created = models.IntegerField(default=0)
    escalated_l2 = models.IntegerField(default=0)
    escalated_l3 = models.IntegerField(default=0)
    first_responses = models.IntegerField(default=0)
    first_response_seconds = models.BigIntegerField(default=0)
    first_response_with_target = models.IntegerField(default=0)
    first_response_met = models.IntegerField(default=0)
    resolved = models.IntegerField(default=0)
    resolution_seconds = models.BigIntegerField(default=0)
    resolution_with_target = models.IntegerField(default=0)
    resolution_met = models.IntegerField(default=0)
    reopened = models.IntegerField(default=0)
    first_contact = models.IntegerField(default=0)
    self_service = models.IntegerField(default=0)
    csat_answers = models.IntegerField(default=0)
    csat_total = models.IntegerField(default=0)
    csat_bad = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("daily rollup")
        verbose_name_plural = _("daily rollups")
        constraints = (
            models.UniqueConstraint(
                fields=("day", "organisation_id", "team_id", "category_id", "channel"), name="rollup_bucket"
            ),
        )
        indexes = (models.Index(fields=("organisation_id", "day"), name="rollup_org_day_idx"),)

    def __str__(self) -> str:
        return f"{self.day} org {self.organisation_id}"


class Absence(models.Model):
    """A planned absence of an agent (holiday, training): the dashboard shows it, assignment skips it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="absences"
    )
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to (included)"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ("starts_on", "user_id")
        indexes = (models.Index(fields=("ends_on", "starts_on"), name="absence_period_idx"),)
        constraints = (
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="absence_order"
            ),
        )

    def __str__(self) -> str:
        return f"{self.user_id} {self.starts_on}–{self.ends_on}"


class Capacity(models.Model):
    """How many open tickets an agent can carry (the dashboard compares their load with it)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE, related_name="capacity"
    )
    open_tickets = models.PositiveIntegerField(_("open tickets"), default=20)

    class Meta:
        verbose_name = _("capacity")
        verbose_name_plural = _("capacities")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.open_tickets}"


class Survey(models.Model):
    """The satisfaction survey of one resolved ticket: sent after a delay, answered at most once
    (the answer may change until ``answer_until``)."""

    class Score(models.IntegerChoices):
        VERY_BAD = 1, _("Very dissatisfied")
        BAD = 2, _("Dissatisfied")
        NEUTRAL = 3, _("Neutral")
        GOOD = 4, _("Satisfied")
        VERY_GOOD = 5, _("Very satisfied")

    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey")
    send_after = models.DateTimeField(_("send after"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    score = models.PositiveSmallIntegerField(_("score"), choices=Score.choices, null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answer_until = models.DateTimeField(_("answer changeable until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        indexes = (
            models.Index(
                fields=("send_after",), name="survey_unsent_idx", condition=models.Q(sent_at__isnull=True)
            ),
        )
        constraints = (
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="survey_score_range",
            ),
        )

    def __str__(self) -> str:
        return f"survey {self.ticket_id}"


def monthly_report_path(instance: MonthlyReport, filename: str) -> str:
    return f"reports/{instance.organisation_id}/{instance.month:%Y-%m}-{instance.pk}.pdf"


class MonthlyReport(models.Model):
    """A client's report for one month: a draft with the supervisor's free text until it is sent; the
    PDF sent is kept as it was (re-downloaded, never recomputed)."""

    organisation = models.ForeignKey(
        "orgs.Organisation",
        verbose_name=_("client"),
        on_delete=models.CASCADE,
        related_name="monthly_reports",
    )
    month = models.DateField(_("month"), help_text=_("Its first day."))
    language = models.CharField(_("language"), max_length=8, default="fr")
    free_text = models.TextField(_("the supervisor's words"), blank=True)
    pdf = models.FileField(_("PDF"), upload_to=monthly_report_path, blank=True, max_length=255)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_to = models.TextField(_("sent to"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("monthly client report")
        verbose_name_plural = _("monthly client reports")
        ordering = ("-month", "organisation_id")
        constraints = (
            models.UniqueConstraint(fields=("organisation", "month"), name="monthly_report_unique"),
        )

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.month:%Y-%m}"

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None
