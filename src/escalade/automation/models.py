"""Automation: rules that react to ticket events, and time automations evaluated by the scheduler.

A rule is data (ADR 0012): which events trigger it, conditions on the ticket (all / any), ordered
actions from the action registry (:mod:`escalade.automation.actions`). Rules are written through
``automation.services`` (validated there) and run by ``automation.engine`` in the transaction of
the change that triggered them.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Team, User
from escalade.orgs.models import Organisation
from escalade.tickets.choices import State
from escalade.tickets.models import Ticket


class Trigger(models.TextChoices):
    """What can start a rule. Replies are told apart by who wrote them (the event's actor)."""

    CREATED = "created", _("Ticket created")
    UPDATED = "updated", _("Details changed")
    REPLIED_BY_REQUESTER = "replied_by_requester", _("Reply from the requester")
    REPLIED_BY_AGENT = "replied_by_agent", _("Reply from an agent")
    NOTE_ADDED = "note_added", _("Internal note added")
    STATE_CHANGED = "state_changed", _("State changed")
    ASSIGNED = "assigned", _("Assigned")
    PRIORITY_CHANGED = "priority_changed", _("Priority changed")
    ESCALATED = "escalated", _("Escalated")
    RESOLVED = "resolved", _("Resolved")
    REOPENED = "reopened", _("Reopened")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACHED = "sla_breached", _("SLA breached")


class Automation(models.Model):
    """What rules and time automations share: a name, an on/off switch, a run order, and the last
    error of an action (shown on the desk)."""

    name = models.CharField(_("name"), max_length=120)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
        ordering = ("position", "id")

    def __str__(self) -> str:
        return self.name


class Rule(Automation):
    """A trigger rule: when one of ``triggers`` happens to a ticket matching ``conditions``, run
    ``actions`` in order. Rules run by ``position``; ``stop_processing`` skips the ones after it."""

    triggers: models.JSONField[list[str]] = models.JSONField(_("triggers"), default=list)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("only for"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="+", help_text=_("Empty: tickets of every organisation."),
    )  # fmt: skip
    conditions: models.JSONField[dict[str, object]] = models.JSONField(_("conditions"), default=dict)
    actions: models.JSONField[list[dict[str, object]]] = models.JSONField(_("actions"), default=list)
    stop_processing = models.BooleanField(_("stop the rules after this one"), default=False)

    class Meta(Automation.Meta):
        verbose_name = _("rule")
        verbose_name_plural = _("rules")


class TimeUnit(models.TextChoices):
    MINUTES = "minutes", _("minutes")
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")


class TimeRule(Automation):
    """A time automation: tickets in ``state`` for ``after`` ``unit`` (business time of their SLA
    calendar when ``is_business_time``) get ``actions``, once per stay in that state."""

    state = models.CharField(_("state"), max_length=24, choices=State.choices)
    after = models.PositiveIntegerField(_("after"))
    unit = models.CharField(_("unit"), max_length=8, choices=TimeUnit.choices, default=TimeUnit.HOURS)
    is_business_time = models.BooleanField(
        _("count business time"), default=False,
        help_text=_("Count only the working hours of the ticket's SLA calendar."),
    )  # fmt: skip
    priority = models.PositiveSmallIntegerField(_("priority"), null=True, blank=True)
    is_unassigned_only = models.BooleanField(_("unassigned tickets only"), default=False)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("only for"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    actions: models.JSONField[list[dict[str, object]]] = models.JSONField(_("actions"), default=list)

    class Meta(Automation.Meta):
        verbose_name = _("time automation")
        verbose_name_plural = _("time automations")


class TimeRuleFiring(models.Model):
    """A time automation acted on a ticket for the stay that began at ``anchor``: never twice."""

    rule = models.ForeignKey(TimeRule, on_delete=models.CASCADE, related_name="firings", db_index=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    anchor = models.DateTimeField()
    fired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("time automation firing")
        verbose_name_plural = _("time automation firings")
        constraints = (
            models.UniqueConstraint(fields=("rule", "ticket", "anchor"), name="timerulefiring_once"),
        )

    def __str__(self) -> str:
        return f"{self.rule_id} {self.ticket_id} {self.anchor:%Y-%m-%d %H:%M}"


class RoundRobinCursor(models.Model):
    """The member of a team who got the last round-robin assignment (locked while choosing)."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("round-robin cursor")
        verbose_name_plural = _("round-robin cursors")

    def __str__(self) -> str:
        return f"{self.team_id} → {self.last_user_id}"
