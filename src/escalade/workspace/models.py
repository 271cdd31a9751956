"""What agents keep in their workspace: saved queue views, canned replies (macros), logged phone calls."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Language, Team
from escalade.tickets.choices import State
from escalade.tickets.models import Category, Ticket

# Exactly one owner: a person (personal) or a team (shared with its members).
ONE_OWNER = (models.Q(owner__isnull=False) & models.Q(team__isnull=True)) | (
    models.Q(owner__isnull=True) & models.Q(team__isnull=False)
)


class SavedView(models.Model):
    """A named queue with its filters, kept by an agent for themselves or shared with their team."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="saved_views",
    )  # fmt: skip
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="saved_views",
    )
    name = models.CharField(_("name"), max_length=80)
    queue = models.CharField(_("queue"), max_length=24, default="mine")
    filters: models.JSONField[dict[str, str]] = models.JSONField(_("filters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ("name", "id")
        constraints = (models.CheckConstraint(condition=ONE_OWNER, name="savedview_one_owner"),)

    def __str__(self) -> str:
        return self.name


class Macro(models.Model):
    """A canned reply in one language, with placeholders (``{{requester_name}}``, ``{{reference}}``,
    ``{{agent_name}}``, ``{{title}}``); applying it may also set the state, the category and add tags."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="macros",
    )  # fmt: skip
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, null=True, blank=True, related_name="macros"
    )
    name = models.CharField(_("name"), max_length=80)
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.FRENCH
    )
    body = models.TextField(_("text"))
    set_state = models.CharField(_("set the state to"), max_length=24, choices=State.choices, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("set the category to"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    add_tags: models.JSONField[list[str]] = models.JSONField(_("add tags"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("macro")
        verbose_name_plural = _("macros")
        ordering = ("name", "id")
        constraints = (models.CheckConstraint(condition=ONE_OWNER, name="macro_one_owner"),)

    def __str__(self) -> str:
        return f"{self.name} ({self.language})"


class PhoneCall(models.Model):
    """A call taken at the desk, on the ticket it opened or concerned, with its duration."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="calls"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.PROTECT, related_name="+"
    )
    caller = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("caller"), on_delete=models.PROTECT, related_name="calls"
    )
    started_at = models.DateTimeField(_("started at"))
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")
        ordering = ("-id",)
        indexes = (models.Index(fields=("ticket", "id"), name="phonecall_ticket_idx"),)

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.duration_seconds}s"
