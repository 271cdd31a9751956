"""The vocabulary of tickets: kinds, channels, states and the allowed transitions between them."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    INCIDENT = "incident", _("Incident")
    REQUEST = "request", _("Service request")
    PROBLEM = "problem", _("Problem")
    CHANGE = "change", _("Change")
    MAINTENANCE = "maintenance", _("Preventive maintenance")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    EMAIL = "email", _("E-mail")
    PORTAL = "portal", _("Portal")
    CHAT = "chat", _("Chat")
    API = "api", _("API")
    MONITORING = "monitoring", _("Monitoring")
    SELF_SERVICE = "self_service", _("Self-service")


class State(models.TextChoices):
    NEW = "new", _("New")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    PENDING_REQUESTER = "pending_requester", _("Waiting for requester")
    PENDING_THIRD_PARTY = "pending_third_party", _("Waiting for third party")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


OPEN_STATES = frozenset(
    {State.NEW, State.ASSIGNED, State.IN_PROGRESS, State.PENDING_REQUESTER, State.PENDING_THIRD_PARTY}
)
PENDING_STATES = frozenset({State.PENDING_REQUESTER, State.PENDING_THIRD_PARTY})
# What a requester reads for each state (portal): their words about their request, not the desk's.
REQUESTER_STATE_LABELS = {
    State.NEW: _("Received"),
    State.ASSIGNED: _("Taken in charge"),
    State.IN_PROGRESS: _("Being worked on"),
    State.PENDING_REQUESTER: _("Waiting for your answer"),
    State.PENDING_THIRD_PARTY: _("Waiting for a supplier"),
    State.RESOLVED: _("Solved: please confirm"),
    State.CLOSED: _("Closed"),
}

# Which state may follow which. Resolving and reopening have their own services (they need more input).
TRANSITIONS: dict[str, frozenset[str]] = {
    State.NEW: frozenset({State.ASSIGNED, State.IN_PROGRESS, State.RESOLVED}),
    State.ASSIGNED: frozenset(
        {State.NEW, State.IN_PROGRESS, State.PENDING_REQUESTER, State.PENDING_THIRD_PARTY, State.RESOLVED}
    ),
    State.IN_PROGRESS: frozenset(
        {State.ASSIGNED, State.PENDING_REQUESTER, State.PENDING_THIRD_PARTY, State.RESOLVED}
    ),
    State.PENDING_REQUESTER: frozenset({State.IN_PROGRESS, State.RESOLVED}),
    State.PENDING_THIRD_PARTY: frozenset({State.IN_PROGRESS, State.RESOLVED}),
    State.RESOLVED: frozenset({State.IN_PROGRESS, State.CLOSED}),
    State.CLOSED: frozenset({State.IN_PROGRESS}),
}


class ResolutionCode(models.TextChoices):
    SOLVED = "solved", _("Solved")
    WORKAROUND = "workaround", _("Workaround provided")
    KNOWLEDGE_BASE = "knowledge_base", _("Solved with the knowledge base")
    NOT_REPRODUCIBLE = "not_reproducible", _("Could not reproduce")
    CANCELLED = "cancelled", _("Cancelled by the requester")
    DUPLICATE = "duplicate", _("Duplicate")
    OUT_OF_SCOPE = "out_of_scope", _("Out of scope")


class OutOfContract(models.TextChoices):
    CATEGORY = "category", _("Category not covered by the contract")
    VALIDITY = "validity", _("Outside the contract's validity dates")
    HOURS = "hours", _("Outside the contract's support hours")


class Impact(models.IntegerChoices):
    HIGH = 1, _("High — many people or a critical service")
    MEDIUM = 2, _("Medium — a team or an important service")
    LOW = 3, _("Low — one person")


class Urgency(models.IntegerChoices):
    HIGH = 1, _("High — work is stopped")
    MEDIUM = 2, _("Medium — work is hampered")
    LOW = 3, _("Low — can wait")


class Priority(models.IntegerChoices):
    CRITICAL = 1, _("P1 — Critical")
    HIGH = 2, _("P2 — High")
    MEDIUM = 3, _("P3 — Medium")
    LOW = 4, _("P4 — Low")
    PLANNING = 5, _("P5 — Planning")


# ITIL's default impact × urgency matrix; administrators may change it (PriorityRule).
ITIL_MATRIX: dict[tuple[int, int], int] = {
    (1, 1): 1, (1, 2): 2, (1, 3): 3,
    (2, 1): 2, (2, 2): 3, (2, 3): 4,
    (3, 1): 3, (3, 2): 4, (3, 3): 5,
}  # fmt: skip


class FollowUpKind(models.TextChoices):
    REPLY = "reply", _("Public reply")
    NOTE = "note", _("Internal note")


class LinkKind(models.TextChoices):
    DUPLICATE_OF = "duplicate_of", _("Duplicate of")
    RELATED_TO = "related_to", _("Related to")
    PARENT_OF = "parent_of", _("Parent of")


class FieldType(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    CHOICE = "choice", _("Choice")
    BOOLEAN = "boolean", _("Yes/no")
