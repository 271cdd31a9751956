"""Business calendars (support hours, holidays, closures) and SLA policies with per-priority targets."""

from __future__ import annotations

from datetime import date, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.orgs.models import validate_time_zone
from escalade.sla.businesstime import WorkingCalendar


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class BusinessCalendar(models.Model):
    """Support hours: a time zone, working intervals per weekday, public holidays and closure days."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone]
    )
    holiday_country = models.CharField(
        _("public holidays of"), max_length=2, default="FR", blank=True,
        help_text=_("ISO country code for public holidays (empty: none)."),
    )  # fmt: skip
    holiday_subdivision = models.CharField(
        _("region"), max_length=10, blank=True, help_text=_("e.g. 57 for Moselle, 67/68 for Alsace.")
    )
    is_always_open = models.BooleanField(_("open 24/7"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name

    def working_calendar(self, *, years: range) -> WorkingCalendar:
        """This calendar as the pure business-time calendar the clock computes with."""
        if self.is_always_open:
            return WorkingCalendar.always_open(time_zone=self.time_zone)
        weekly: dict[int, list[tuple[time, time]]] = {}
        for interval in self.intervals.all():
            weekly.setdefault(interval.weekday, []).append((interval.start, interval.end))
        extra_closed: list[date] = [closure.date for closure in self.closures.all()]
        week = {day: tuple(sorted(spans)) for day, spans in weekly.items()}
        if self.holiday_country:
            return WorkingCalendar.with_holidays(
                time_zone=self.time_zone,
                weekly=week,
                years=years,
                country=self.holiday_country,
                subdivision=self.holiday_subdivision or None,
                extra_closed=extra_closed,
            )
        return WorkingCalendar(time_zone=self.time_zone, weekly=week, closed_days=frozenset(extra_closed))


class WorkingInterval(models.Model):
    """One stretch of support hours on a weekday (local time); an end of 00:00 means midnight."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("to"))

    class Meta:
        verbose_name = _("working interval")
        verbose_name_plural = _("working intervals")
        ordering = ("weekday", "start")

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class ClosureDay(models.Model):
    """A day the desk is closed besides public holidays (a bridge day, a company event)."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField(_("date"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("closure day")
        verbose_name_plural = _("closure days")
        ordering = ("date",)
        constraints = (models.UniqueConstraint(fields=("calendar", "date"), name="closure_unique"),)

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.reason}"


class SlaPolicy(models.Model):
    """How fast the desk must answer and resolve, per priority, counted in a calendar's business time."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    calendar = models.ForeignKey(
        BusinessCalendar, verbose_name=_("calendar"), on_delete=models.PROTECT, related_name="policies"
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at (% of target)"), default=75,
        help_text=_("A warning is raised when this share of the target has elapsed."),
    )  # fmt: skip
    pause_states: models.JSONField[list[str]] = models.JSONField(
        _("states that pause the clock"), default=list, blank=True
    )
    reset_on_reopen = models.BooleanField(
        _("restart the resolution clock on reopen"), default=False,
        help_text=_("Otherwise the clock resumes where it stopped."),
    )  # fmt: skip
    pause_first_response = models.BooleanField(
        _("pause the first-response clock too"), default=False,
        help_text=_(
            "For contracts that count the first response only while the requester can be reached: it "
            "then pauses in the states above, like the resolution clock."
        ),
    )  # fmt: skip
    escalate_on_breach = models.BooleanField(_("escalate to the next level on breach"), default=True)
    raise_priority_on_breach = models.BooleanField(_("raise the priority on breach"), default=False)
    notify_supervisor_on_breach = models.BooleanField(_("notify the supervisors on breach"), default=True)
    is_default = models.BooleanField(
        _("default policy"), default=False,
        help_text=_("Used for organisations without a contract (e.g. internal IT)."),
    )  # fmt: skip
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ("name",)
        constraints = (
            models.UniqueConstraint(
                fields=("is_default",), condition=models.Q(is_default=True), name="sla_single_default"
            ),
        )

    def __str__(self) -> str:
        return self.name


def target_max_minutes() -> int:
    """The longest target (ESCALADE_SLA_TARGET_MAX_DAYS), in minutes: due dates stay far inside the
    range of dates the clock computes with, whatever the calendar."""
    return int(settings.ESCALADE_SLA_TARGET_MAX_DAYS) * 24 * 60


def target_too_long_message() -> str:
    return _("A target is at most %(minutes)d minutes (%(days)d days).") % {
        "minutes": target_max_minutes(),
        "days": settings.ESCALADE_SLA_TARGET_MAX_DAYS,
    }


class SlaTarget(models.Model):
    """First-response and resolution targets of one priority, in business minutes."""

    policy = models.ForeignKey(SlaPolicy, on_delete=models.CASCADE, related_name="targets")
    priority = models.PositiveSmallIntegerField(_("priority"))
    first_response_minutes = models.PositiveIntegerField(_("first response (business minutes)"))
    resolution_minutes = models.PositiveIntegerField(_("resolution (business minutes)"))

    class Meta:
        verbose_name = _("SLA target")
        verbose_name_plural = _("SLA targets")
        ordering = ("policy", "priority")
        constraints = (
            models.UniqueConstraint(fields=("policy", "priority"), name="slatarget_unique"),
            models.CheckConstraint(
                condition=models.Q(priority__gte=1, priority__lte=5), name="slatarget_priority_range"
            ),
        )

    def __str__(self) -> str:
        return f"{self.policy} P{self.priority}"

    def clean(self) -> None:
        too_long = {
            name: target_too_long_message()
            for name in ("first_response_minutes", "resolution_minutes")
            if (getattr(self, name) or 0) > target_max_minutes()
        }
        if too_long:
            raise ValidationError(too_long)
