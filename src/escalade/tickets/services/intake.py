"""Creating tickets: qualification (priority), contract and SLA policy, team and agent, reference."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.accounts.models import Team, User
from escalade.contracts.selectors import contract_match
from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.notifications.models import NotificationKind
from escalade.notifications.services import notify, supervisors
from escalade.orgs.models import Organisation, Site
from escalade.sla.models import SlaPolicy
from escalade.sla.selectors import TicketHistory
from escalade.sla.services import sla_refresh
from escalade.tickets.choices import ITIL_MATRIX, OPEN_STATES, Channel, FieldType, Impact, State, Urgency
from escalade.tickets.models import Category, PriorityRule, Tag, Ticket, TicketSequence
from escalade.tickets.services._common import record

REFERENCE_PREFIX = "ESC"


def priority_for(*, impact: int, urgency: int) -> int:
    """The priority that the impact × urgency matrix gives (ITIL default when a cell is missing)."""
    if impact not in Impact.values or urgency not in Urgency.values:
        raise ValidationFailed("impact and urgency must be 1, 2 or 3", field="impact")
    rule = PriorityRule.objects.filter(impact=impact, urgency=urgency).values_list("priority", flat=True)
    return rule.first() or ITIL_MATRIX[(impact, urgency)]


def next_reference(*, year: int) -> str:
    """``ESC-2026-000123``: numbers are per year, gap-free, and safe under concurrent creation.

    One statement (an upsert that returns the new number) takes the year's counter row and keeps it
    locked until the caller's transaction ends: a concurrent creation waits, a rolled-back one gives
    its number back. PostgreSQL and SQLite (>= 3.35) both run it.
    """
    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last_number) VALUES (%s, 1) "  # noqa: S608 - table name from the model
            f"ON CONFLICT (year) DO UPDATE SET last_number = {table}.last_number + 1 RETURNING last_number",
            [year],
        )
        (number,) = cursor.fetchone()
    return f"{REFERENCE_PREFIX}-{year}-{number:06d}"


def _validate_value(field: Any, value: object) -> object:
    kind = field.field_type
    if kind == FieldType.NUMBER and not (isinstance(value, int | float) and not isinstance(value, bool)):
        raise ValidationFailed(f"{field.key} must be a number", field=f"custom_fields.{field.key}")
    if kind == FieldType.BOOLEAN and not isinstance(value, bool):
        raise ValidationFailed(f"{field.key} must be true or false", field=f"custom_fields.{field.key}")
    if kind == FieldType.DATE:
        try:
            date.fromisoformat(str(value))
        except ValueError as error:
            raise ValidationFailed(
                f"{field.key} must be a date (YYYY-MM-DD)", field=f"custom_fields.{field.key}"
            ) from error
    if kind == FieldType.CHOICE and value not in field.choices:
        raise ValidationFailed(
            f"{field.key} must be one of {', '.join(field.choices)}", field=f"custom_fields.{field.key}"
        )
    if kind == FieldType.TEXT and not isinstance(value, str):
        raise ValidationFailed(f"{field.key} must be text", field=f"custom_fields.{field.key}")
    return value


def validate_custom_fields(*, category: Category | None, values: Mapping[str, object]) -> dict[str, object]:
    """Check ``values`` against the category's typed fields: known keys, types, required, choices."""
    fields = {field.key: field for field in category.fields.all()} if category else {}
    unknown = set(values) - set(fields)
    if unknown:
        key = sorted(unknown)[0]
        raise ValidationFailed(f"unknown custom field {key}", field=f"custom_fields.{key}")
    cleaned: dict[str, object] = {}
    for key, field in fields.items():
        value = values.get(key)
        if value in (None, ""):
            if field.is_required:
                raise ValidationFailed(f"{key} is required", field=f"custom_fields.{key}")
            continue
        cleaned[key] = _validate_value(field, value)
    return cleaned


def check_category(*, category: Category | None, organisation: Organisation) -> None:
    """A category restricted to some organisations cannot be used by the others."""
    if category is None:
        return
    if not category.is_active:
        raise ValidationFailed("this category is no longer in use", field="category")
    allowed = category.organisations.all()
    if allowed and organisation not in allowed:
        raise ValidationFailed("this category is not available to this organisation", field="category")


def first_line_team(*, organisation: Organisation, category: Category | None) -> Team | None:
    """The category's default team when it serves the organisation, else the organisation's L1 team."""
    teams = Team.objects.filter(is_active=True, organisations=organisation)
    if category is not None and category.default_team_id:
        team = teams.filter(pk=category.default_team_id).first()
        if team is not None:
            return team
    return teams.order_by("support_level", "name").first()


def least_loaded_agent(*, team: Team) -> User | None:
    """The available member of ``team`` with the fewest open tickets assigned (ties: by name)."""
    if not team.is_auto_assign:
        return None
    return (
        User.objects.filter(is_active=True, memberships__team=team, memberships__is_available=True)
        .annotate(load=Count("assigned_tickets", filter=Q(assigned_tickets__state__in=OPEN_STATES)))
        .order_by("load", "full_name", "pk")
        .first()
    )


def _default_policy() -> SlaPolicy | None:
    return SlaPolicy.objects.filter(is_default=True).first()


@transaction.atomic
def ticket_create(
    *,
    actor: Actor,
    requester: User,
    title: str,
    description: str = "",
    kind: str | None = None,
    category: Category | None = None,
    channel: str = Channel.PORTAL,
    impact: int = Impact.LOW,
    urgency: int = Urgency.MEDIUM,
    priority: int | None = None,
    priority_reason: str = "",
    site: Site | None = None,
    tags: Iterable[str] = (),
    custom_fields: Mapping[str, object] | None = None,
    watchers: Iterable[User] = (),
) -> Ticket:
    """Log a new ticket for ``requester``: qualify it, match the contract, pick the SLA and the team.

    Out-of-contract requests are accepted, flagged with the reason, and the supervisors are notified.
    """
    title = title.strip()
    if not title:
        raise ValidationFailed(_("A title is required."), field="title")
    if channel not in Channel.values:
        raise ValidationFailed(f"unknown channel {channel}", field="channel")
    organisation = requester.organisation
    check_category(category=category, organisation=organisation)
    if site is not None and site.organisation_id != organisation.pk:
        raise ValidationFailed("this site belongs to another organisation", field="site")
    computed = priority_for(impact=impact, urgency=urgency)
    if priority is not None and priority != computed and not priority_reason.strip():
        raise ValidationFailed(_("Give a reason to override the priority."), field="priority_reason")
    now = timezone.now()
    match = contract_match(organisation=organisation, category=category, at=now)
    team = first_line_team(organisation=organisation, category=category)
    assignee = least_loaded_agent(team=team) if team else None
    ticket = Ticket.objects.create(
        reference=next_reference(year=timezone.localdate(now).year),
        kind=kind or (category.default_kind if category else "incident"),
        title=title[:200],
        description=description,
        requester=requester,
        organisation=organisation,
        site=site or requester.site,
        contract=match.contract,
        is_out_of_contract=match.is_out_of_contract,
        out_of_contract_reason=match.out_of_contract_reason,
        category=category,
        channel=channel,
        custom_fields=validate_custom_fields(category=category, values=custom_fields or {}),
        impact=impact,
        urgency=urgency,
        priority=priority or computed,
        is_priority_overridden=priority is not None and priority != computed,
        state=State.ASSIGNED if assignee else State.NEW,
        team=team,
        assignee=assignee,
        support_level=team.support_level if team else 1,
        sla_policy=match.contract.sla_policy if match.contract else _default_policy(),
    )
    if tags:
        ticket.tags.set(tag_objects(tags))
    if watchers:
        ticket.watchers.set(list(watchers))
    data: dict[str, Any] = {"priority_reason": priority_reason} if ticket.is_priority_overridden else {}
    record(actor=actor, ticket=ticket, action="ticket.created", before={}, data=data)
    # A new ticket's history is its creation: no need to read back the event just written.
    sla_refresh(ticket=ticket, now=now, history=TicketHistory(initial_state=ticket.state, transitions=()))
    _notify_intake(ticket)
    return ticket


def tag_objects(names: Iterable[str]) -> list[Tag]:
    """Tags by name (lower-case, spaces to dashes), created on first use."""
    cleaned = sorted({name.strip().lower().replace(" ", "-") for name in names if name.strip()})
    return [Tag.objects.get_or_create(name=name[:60])[0] for name in cleaned]


def _notify_intake(ticket: Ticket) -> None:
    if ticket.is_out_of_contract:
        notify(
            recipients=supervisors(),
            kind=NotificationKind.OUT_OF_CONTRACT,
            ticket=ticket,
            text=f"{ticket.reference}: {ticket.get_out_of_contract_reason_display()}",
        )
    if ticket.assignee is not None:
        notify(
            recipients=[ticket.assignee],
            kind=NotificationKind.ASSIGNED,
            ticket=ticket,
            text=f"{ticket.reference}: {ticket.title}",
        )
