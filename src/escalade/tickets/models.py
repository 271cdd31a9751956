"""Tickets and what hangs off them: categories, follow-ups, attachments, links, the priority matrix."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from escalade.accounts.models import Team
from escalade.orgs.models import Organisation, Site
from escalade.tickets.choices import (
    REQUESTER_STATE_LABELS,
    Channel,
    FieldType,
    FollowUpKind,
    Impact,
    Kind,
    LinkKind,
    OutOfContract,
    Priority,
    ResolutionCode,
    State,
    Urgency,
)

BREACHED = models.Q(resolution_breached_at__isnull=False) | models.Q(first_response_breached_at__isnull=False)
# Warned of a deadline not yet breached: the desk's "at risk" queue.
AT_RISK = (
    models.Q(resolution_warned_at__isnull=False)
    | models.Q(first_response_warned_at__isnull=False, first_responded_at__isnull=True)
) & models.Q(resolution_breached_at__isnull=True, first_response_breached_at__isnull=True)
OPEN_STATE_VALUES = [
    State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.PENDING_REQUESTER, State.PENDING_THIRD_PARTY
]  # fmt: skip


def state_now() -> object:
    """The default of ``Ticket.state_changed_at``: now, read when the ticket is built."""
    return timezone.now()


class Category(models.Model):
    """A node of the category tree ("Accounts › Password reset"); may be restricted to organisations."""

    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="children",
    )  # fmt: skip
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    organisations = models.ManyToManyField(
        Organisation, verbose_name=_("only for"), related_name="categories", blank=True,
        help_text=_("Empty: every organisation may use it."),
    )  # fmt: skip
    default_team = models.ForeignKey(
        Team, verbose_name=_("default team"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    default_kind = models.CharField(
        _("default kind"), max_length=16, choices=Kind.choices, default=Kind.INCIDENT
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ("name_fr",)

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_en if translation.get_language() == "en" else self.name_fr


class CategoryField(models.Model):
    """A typed custom field that tickets of a category carry (validated in ``ticket_create``)."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="fields")
    key = models.SlugField(_("key"), max_length=60)
    label_fr = models.CharField(_("label (French)"), max_length=120)
    label_en = models.CharField(_("label (English)"), max_length=120)
    field_type = models.CharField(_("type"), max_length=16, choices=FieldType.choices, default=FieldType.TEXT)
    is_required = models.BooleanField(_("required"), default=False)
    choices: models.JSONField[list[str]] = models.JSONField(_("choices"), default=list, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("custom field")
        verbose_name_plural = _("custom fields")
        ordering = ("category", "position", "key")
        constraints = (models.UniqueConstraint(fields=("category", "key"), name="categoryfield_unique"),)

    def __str__(self) -> str:
        return f"{self.category}: {self.key}"

    @property
    def label(self) -> str:
        return self.label_en if translation.get_language() == "en" else self.label_fr


class Tag(models.Model):
    """A free label on tickets (lower-case, no spaces)."""

    name = models.SlugField(_("name"), max_length=60, unique=True, allow_unicode=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ("name",)

    def __str__(self) -> str:
        return self.name


class PriorityRule(models.Model):
    """One cell of the impact × urgency → priority matrix (ITIL default, editable)."""

    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)

    class Meta:
        verbose_name = _("priority rule")
        verbose_name_plural = _("priority matrix")
        ordering = ("impact", "urgency")
        constraints = (models.UniqueConstraint(fields=("impact", "urgency"), name="priorityrule_unique"),)

    def __str__(self) -> str:
        return f"I{self.impact} × U{self.urgency} → P{self.priority}"


class TicketSequence(models.Model):
    """The last reference number handed out in a year (row-locked when a ticket is created)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("reference sequence")
        verbose_name_plural = _("reference sequences")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Ticket(models.Model):
    """A request for help: an incident or a service request (problems and changes use the same table).

    Every change goes through ``escalade.tickets.services`` and is recorded in the event log. The SLA
    fields are maintained by ``escalade.sla.services`` from the ticket's events.
    """

    # Unique through ``Meta.constraints``: a ``unique=True`` CharField would also get a second index
    # for LIKE patterns on PostgreSQL, which no query uses.
    reference = models.CharField(_("reference"), max_length=24)
    external_id = models.CharField(  # noqa: DJ001 - NULL, not "": tickets without one stay unique
        _("external id"), max_length=100, null=True, blank=True,
        help_text=_("The ticket's id in the system it was imported from."),
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INCIDENT)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Foreign keys that lead one of the indexes of ``Meta.indexes`` get no index of their own (it would
    # be redundant: one more index to write for each ticket).
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT,
        related_name="requested_tickets", db_index=False,
    )  # fmt: skip
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("organisation"),
        on_delete=models.PROTECT,
        related_name="tickets",
        db_index=False,
    )
    site = models.ForeignKey(
        Site, verbose_name=_("site"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    contract = models.ForeignKey(
        "contracts.Contract", verbose_name=_("contract"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="tickets",
    )  # fmt: skip
    is_out_of_contract = models.BooleanField(_("out of contract"), default=False)
    out_of_contract_reason = models.CharField(
        _("out-of-contract reason"), max_length=16, choices=OutOfContract.choices, blank=True
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="tickets",
    )  # fmt: skip
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), related_name="tickets", blank=True)
    custom_fields: models.JSONField[dict[str, object]] = models.JSONField(
        _("custom fields"), default=dict, blank=True
    )
    watchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("watchers"), related_name="watched_tickets", blank=True
    )
    impact = models.PositiveSmallIntegerField(_("impact"), choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency.choices, default=Urgency.MEDIUM)
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.LOW)
    is_priority_overridden = models.BooleanField(_("priority set by hand"), default=False)
    state = models.CharField(_("state"), max_length=24, choices=State.choices, default=State.NEW)
    # When the ticket entered its current state (set by the services): time automations ("pending on
    # the requester for 3 business days") read it. Tickets existing before the column count from then.
    state_changed_at = models.DateTimeField(_("state changed at"), default=state_now)
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tickets",
        db_index=False,
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="assigned_tickets", db_index=False,
    )  # fmt: skip
    support_level = models.PositiveSmallIntegerField(_("support level"), default=1)
    sla_policy = models.ForeignKey(
        "sla.SlaPolicy", verbose_name=_("SLA policy"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="tickets",
    )  # fmt: skip
    first_response_due = models.DateTimeField(_("first response due"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    sla_paused_since = models.DateTimeField(_("SLA clock paused since"), null=True, blank=True)
    first_response_warned_at = models.DateTimeField(null=True, blank=True)
    first_response_breached_at = models.DateTimeField(null=True, blank=True)
    resolution_warned_at = models.DateTimeField(null=True, blank=True)
    resolution_breached_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution_code = models.CharField(
        _("resolution code"), max_length=24, choices=ResolutionCode.choices, blank=True
    )
    solution = models.TextField(_("solution"), blank=True)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="merged_tickets",
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ("-id",)
        indexes = (
            # Queues: open tickets of an organisation / team / assignee, nearest due date first.
            models.Index(
                fields=("organisation", "state", "resolution_due", "id"), name="ticket_org_queue_idx"
            ),
            models.Index(fields=("team", "state", "resolution_due", "id"), name="ticket_team_queue_idx"),
            models.Index(fields=("assignee", "state", "resolution_due", "id"), name="ticket_assignee_idx"),
            models.Index(fields=("requester", "id"), name="ticket_requester_idx"),
            # The SLA sweep reads only open tickets, by due date.
            models.Index(
                fields=("resolution_due",), name="ticket_open_resolution_due_idx",
                condition=models.Q(state__in=OPEN_STATE_VALUES, resolution_breached_at__isnull=True),
            ),
            models.Index(
                fields=("resolved_at",), name="ticket_resolved_idx", condition=models.Q(state="resolved"),
            ),
            # Time automations: the open tickets in a state since before a cut-off ("pending for 3 days").
            models.Index(
                fields=("state", "state_changed_at"), name="ticket_state_since_idx",
                condition=models.Q(state__in=OPEN_STATE_VALUES),
            ),
            # The desk's special queues read a small share of the open tickets: partial indexes keep
            # their pages and capped counters fast whatever the size of the table.
            # "My teams": the open tickets of a team, with the organisation for the visibility filter, so
            # that the page's ids come from the index alone (thousands of entries, no table reads).
            models.Index(
                fields=("team", "resolution_due", "id", "organisation"), name="ticket_queue_team_idx",
                condition=models.Q(state__in=OPEN_STATE_VALUES),
            ),
            models.Index(
                fields=("organisation", "resolution_due", "id"), name="ticket_queue_unassigned_idx",
                condition=models.Q(state__in=OPEN_STATE_VALUES, assignee__isnull=True),
            ),
            models.Index(
                fields=("organisation", "resolution_due", "id"), name="ticket_queue_breached_idx",
                condition=models.Q(state__in=OPEN_STATE_VALUES) & BREACHED,
            ),
            # "At risk" is a few dozen tickets among a hundred thousand open: ordered by due date, so
            # the page reads them in order from this index alone (led by the organisation, the
            # planner walked all open tickets by due date instead, misjudging how few match).
            models.Index(
                fields=("resolution_due", "id", "organisation"), name="ticket_queue_at_risk_idx",
                condition=models.Q(state__in=OPEN_STATE_VALUES) & AT_RISK,
            ),
            models.Index(
                fields=("organisation", "resolution_due", "id"), name="ticket_queue_ooc_idx",
                condition=models.Q(state__in=OPEN_STATE_VALUES, is_out_of_contract=True),
            ),
            models.Index(
                fields=("first_response_due",), name="ticket_open_first_due_idx",
                condition=models.Q(
                    first_responded_at__isnull=True,
                    state__in=OPEN_STATE_VALUES,
                    first_response_breached_at__isnull=True,
                ),
            ),
        )  # fmt: skip
        constraints = (
            models.CheckConstraint(
                condition=models.Q(priority__gte=1, priority__lte=5), name="ticket_priority_range"
            ),
            models.UniqueConstraint(fields=("reference",), name="ticket_reference_unique"),
            models.UniqueConstraint(fields=("external_id",), name="ticket_external_id_unique"),
        )

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_requester_state_display(self) -> str:
        """The state in the requester's words (the portal): "Waiting for your answer", not "pending"."""
        label = REQUESTER_STATE_LABELS.get(State(self.state))
        return str(label) if label is not None else self.get_state_display()

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATE_VALUES


class FollowUp(models.Model):
    """A public reply (the requester sees it) or an internal note (provider staff only)."""

    # ``followup_ticket_idx`` (ticket, id) serves the ticket's foreign key too.
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="followups", db_index=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    kind = models.CharField(_("kind"), max_length=8, choices=FollowUpKind.choices, default=FollowUpKind.REPLY)
    body = models.TextField(_("message"))
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.PORTAL)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ("id",)
        indexes = (models.Index(fields=("ticket", "id"), name="followup_ticket_idx"),)

    def __str__(self) -> str:
        return f"{self.ticket.reference} {self.get_kind_display()} #{self.pk}"

    @property
    def is_public(self) -> bool:
        return self.kind == FollowUpKind.REPLY


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"attachments/{instance.ticket_id}/{instance.sha256[:16]}"


class Attachment(models.Model):
    """A file on a ticket (optionally on one follow-up); stored under a content hash, not its name."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    followup = models.ForeignKey(
        FollowUp, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path, max_length=255)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    is_internal = models.BooleanField(_("internal"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ("id",)

    def __str__(self) -> str:
        return self.filename


class TicketLink(models.Model):
    """A typed link between two tickets (duplicate of, related to, parent of)."""

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=16, choices=LinkKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("ticket link")
        verbose_name_plural = _("ticket links")
        constraints = (
            models.UniqueConstraint(fields=("source", "target", "kind"), name="ticketlink_unique"),
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="ticketlink_not_self"
            ),
        )

    def __str__(self) -> str:
        return f"{self.source_id} {self.kind} {self.target_id}"
