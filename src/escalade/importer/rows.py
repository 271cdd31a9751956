"""Checking one import row and resolving its names (people, teams, categories) to ids."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from escalade.accounts.models import PROVIDER_ROLES, Team, User
from escalade.orgs.models import Organisation, OrganisationDomain
from escalade.tickets.choices import ITIL_MATRIX, Channel, FollowUpKind, Kind, ResolutionCode, State
from escalade.tickets.models import Category


class RowError(Exception):
    """The row cannot be imported; the message says why (it goes to the rejected-rows report)."""


@dataclass
class FollowUpRow:
    author_id: int | None
    kind: str
    body: str
    created_at: dt.datetime


@dataclass
class TicketRow:
    line: int
    external_id: str
    values: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    followups: list[FollowUpRow] = field(default_factory=list)
    new_requester: tuple[str, str, int] | None = None  # e-mail, name, organisation id: created on load


class Lookups:
    """Everything a row refers to, loaded once (people by e-mail, teams, categories, domains)."""

    def __init__(self, *, create_people: bool) -> None:
        self.create_people = create_people
        self.people: dict[str, tuple[int, Any, str]] = {}  # e-mail: (id, organisation id, role)
        self.names: dict[int, str] = {}  # people's names by id: their tickets' search documents hold them
        fields = ("pk", "email", "organisation_id", "role", "full_name")
        for pk, email, org_id, role, full_name in User.objects.values_list(*fields):
            self.people[email] = (pk, org_id, role)
            self.names[pk] = full_name
        self.domains = dict(OrganisationDomain.objects.values_list("domain", "organisation_id"))
        self.organisations = {slug: pk for pk, slug in Organisation.objects.values_list("pk", "slug")}
        self.teams = {
            name.lower(): (pk, level)
            for pk, name, level in Team.objects.values_list("pk", "name", "support_level")
        }
        self.categories: dict[str, int] = {}
        self.category_names: dict[int, tuple[str, str]] = {}  # id -> (French, English), for the index
        for pk, name_fr, name_en in Category.objects.values_list("pk", "name_fr", "name_en"):
            self.categories[name_fr.lower()] = self.categories[name_en.lower()] = pk
            self.category_names[pk] = (name_fr, name_en)
        self.created: dict[str, tuple[str, int]] = {}  # people to create: e-mail -> (name, organisation)

    def requester(self, email: str, name: str) -> tuple[int | None, int, tuple[str, str, int] | None]:
        known = self.people.get(email)
        if known is not None:
            return known[0], known[1], None
        if email in self.created:  # a later row of someone created for an earlier one (same batch or not)
            created_name, created_in = self.created[email]
            return None, created_in, (email, created_name, created_in)
        organisation = self.domains.get(email.rpartition("@")[2])
        if organisation is None or not self.create_people:
            raise RowError(f"unknown requester {email}")
        self.created[email] = (name or email, organisation)
        return None, organisation, (email, name or email, organisation)

    def staff(self, email: str) -> int:
        known = self.people.get(email)
        if known is None or known[2] not in PROVIDER_ROLES:
            raise RowError(f"assignee {email} is not provider staff")
        return known[0]


def _text(fields: dict[str, Any], name: str, *, required: bool = False, limit: int | None = None) -> str:
    value = str(fields.get(name) or "").strip()
    if required and not value:
        raise RowError(f"{name} is required")
    if limit is not None and len(value) > limit:
        raise RowError(f"{name} is longer than {limit} characters")
    return value


# The accepted values of each choice (plain strings, built once: rows are checked by the million).
FOLLOWUP_KINDS, STATES, KINDS, CHANNELS, RESOLUTION_CODES = (
    tuple(str(value) for value in choices.values)
    for choices in (FollowUpKind, State, Kind, Channel, ResolutionCode)
)


def _choice(fields: dict[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    value = _text(fields, name) or str(default)
    if value not in choices:
        raise RowError(f"{name} must be one of {', '.join(choices)}")
    return value


def _level(fields: dict[str, Any], name: str, default: int) -> int:
    raw = fields.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError) as error:
        raise RowError(f"{name} must be 1, 2 or 3") from error
    if value not in (1, 2, 3):
        raise RowError(f"{name} must be 1, 2 or 3")
    return value


def _moment(fields: dict[str, Any], name: str, *, required: bool = False) -> dt.datetime | None:
    raw = _text(fields, name, required=required)
    if not raw:
        return None
    moment = parse_datetime(raw)
    if moment is None:
        raise RowError(f"{name} is not an ISO 8601 date and time")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def _followups(raw: Any, lookups: Lookups, created: dt.datetime) -> list[FollowUpRow]:
    if not raw:
        return []
    if not isinstance(raw, list):
        raise RowError("followups must be a list")
    rows = []
    for item in raw:
        if not isinstance(item, dict):
            raise RowError("each follow-up must be an object")
        body = _text(item, "body", required=True)
        author = lookups.people.get(_text(item, "author_email").lower())
        kind = _choice(item, "kind", FOLLOWUP_KINDS, FollowUpKind.REPLY)
        rows.append(FollowUpRow(author and author[0], kind, body, _moment(item, "created_at") or created))
    return rows


def check_row(line: int, fields: dict[str, Any], lookups: Lookups) -> TicketRow:
    """Validate one row and resolve its references; raise RowError with the reason."""
    external_id = _text(fields, "external_id", required=True, limit=100)
    email = _text(fields, "requester_email", required=True).lower()
    requester_id, organisation_id, new = lookups.requester(email, _text(fields, "requester_name"))
    slug = _text(fields, "organisation")
    if slug and lookups.organisations.get(slug) != organisation_id:
        raise RowError(f"requester {email} does not belong to organisation {slug}")
    created = _moment(fields, "created_at", required=True)
    assert created is not None
    state = _choice(fields, "state", STATES, State.NEW)
    impact, urgency = _level(fields, "impact", 3), _level(fields, "urgency", 2)
    priority = int(fields.get("priority") or ITIL_MATRIX[(impact, urgency)])
    if priority not in range(1, 6):
        raise RowError("priority must be from 1 to 5")
    closed = state in (State.RESOLVED, State.CLOSED)
    resolved_at = _moment(fields, "resolved_at") or (created if closed else None)
    team = lookups.teams.get(_text(fields, "team").lower()) if _text(fields, "team") else None
    if _text(fields, "team") and team is None:
        raise RowError(f"unknown team {fields['team']}")
    category_name = _text(fields, "category").lower()
    if category_name and category_name not in lookups.categories:
        raise RowError(f"unknown category {fields['category']}")
    assignee_email = _text(fields, "assignee_email").lower()
    # Every row's values: the same keys in the same order (the importer builds rows by position).
    values = {
        "external_id": external_id,
        "title": _text(fields, "title", required=True, limit=200),
        "description": _text(fields, "description"),
        "requester_id": requester_id,
        "organisation_id": organisation_id,
        "kind": _choice(fields, "kind", KINDS, Kind.INCIDENT),
        "channel": _choice(fields, "channel", CHANNELS, Channel.PORTAL),
        "impact": impact,
        "urgency": urgency,
        "priority": priority,
        "is_priority_overridden": priority != ITIL_MATRIX[(impact, urgency)],
        "state": state,
        "state_changed_at": _moment(fields, "closed_at") or resolved_at or created,
        "created_at": created,
        "updated_at": created,
        "category_id": lookups.categories.get(category_name) if category_name else None,
        "team_id": team[0] if team else None,
        "support_level": team[1] if team else 1,
        "assignee_id": lookups.staff(assignee_email) if assignee_email else None,
        "resolved_at": resolved_at,
        "closed_at": _moment(fields, "closed_at") or (resolved_at if state == State.CLOSED else None),
        "resolution_code": _choice(fields, "resolution_code", RESOLUTION_CODES, ResolutionCode.SOLVED)
        if closed
        else "",
        "solution": _text(fields, "solution"),
    }
    tags = fields.get("tags") or []
    if not isinstance(tags, list):
        raise RowError("tags must be a list")
    return TicketRow(
        line,
        external_id,
        values,
        list(dict.fromkeys(str(tag).strip().lower()[:60] for tag in tags if str(tag).strip())),
        _followups(fields.get("followups"), lookups, created),
        new,
    )
