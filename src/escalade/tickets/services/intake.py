"""Creating tickets: qualification (priority), contract and SLA policy, team and agent, reference.

:func:`ticket_create` logs one ticket; ``bulk.ticket_create_many`` logs many with the same pieces
(the checks, the choice of contract, team and agent, the ticket's fields, its notifications), which
take the reference data they need as arguments so that a batch reads it once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as default
from datetime import date
from typing import Any

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from escalade.accounts.models import Team, TeamMembership, User
from escalade.contracts.selectors import ContractMatch, contract_match
from escalade.core.actors import Actor
from escalade.core.errors import ValidationFailed
from escalade.core.refdata import refdata
from escalade.core.services import JSONValue
from escalade.notifications.models import NotificationKind
from escalade.notifications.services import Notice, notify_many, supervisors
from escalade.orgs.models import Organisation, Site
from escalade.sla.models import SlaPolicy
from escalade.sla.selectors import default_policy_kept
from escalade.tickets.choices import ITIL_MATRIX, OPEN_STATES, Channel, FieldType, Impact, State, Urgency
from escalade.tickets.models import Category, PriorityRule, Tag, Ticket, TicketSequence
from escalade.tickets.services._common import record

REFERENCE_PREFIX = "ESC"
PriorityMatrix = Mapping[tuple[int, int], int]


@dataclass(frozen=True, kw_only=True)
class TicketRequest:
    """The arguments of :func:`ticket_create` as one value (an item of ``ticket_create_many``)."""

    requester: User
    title: str
    description: str = ""
    kind: str | None = None
    category: Category | None = None
    channel: str = Channel.PORTAL
    impact: int = Impact.LOW
    urgency: int = Urgency.MEDIUM
    priority: int | None = None
    priority_reason: str = ""
    site: Site | None = None
    tags: Iterable[str] = ()
    custom_fields: Mapping[str, object] | None = None
    watchers: Iterable[User] = ()
    team: Team | None = None


@dataclass(frozen=True, kw_only=True)
class CheckedRequest:
    """A request that passed :func:`intake_check`, with what the checks worked out."""

    request: TicketRequest
    title: str
    organisation: Organisation
    computed_priority: int
    custom_fields: dict[str, object]
    tag_names: list[str]
    watchers: list[User]


def priority_matrix(*, cell: tuple[int, int] | None = None) -> dict[tuple[int, int], int]:
    """The edited cells of the impact × urgency matrix (all, or just ``cell``), in one query."""
    rules = PriorityRule.objects.all()
    if cell is not None:
        rules = rules.filter(impact=cell[0], urgency=cell[1])
    return {
        (impact, urgency): priority
        for impact, urgency, priority in rules.values_list("impact", "urgency", "priority")
    }


def matrix_priority(*, matrix: PriorityMatrix, impact: int, urgency: int) -> int:
    """The priority that ``matrix`` gives (ITIL default when a cell is missing)."""
    if impact not in Impact.values or urgency not in Urgency.values:
        raise ValidationFailed("impact and urgency must be 1, 2 or 3", field="impact")
    return matrix.get((impact, urgency)) or ITIL_MATRIX[(impact, urgency)]


def priority_matrix_cached() -> dict[tuple[int, int], int]:
    """The edited cells of the matrix, kept per process (``core.refdata``; the admin says when they
    change)."""
    return refdata("tickets.priority_matrix", None, priority_matrix)


def priority_for(*, impact: int, urgency: int) -> int:
    """The priority that the impact × urgency matrix gives (ITIL default when a cell is missing)."""
    if impact not in Impact.values or urgency not in Urgency.values:
        return matrix_priority(matrix={}, impact=impact, urgency=urgency)  # raises, reading nothing
    return matrix_priority(matrix=priority_matrix(cell=(impact, urgency)), impact=impact, urgency=urgency)


def next_references(*, year: int, count: int) -> list[str]:
    """``count`` consecutive references ``ESC-2026-000123``: numbers are per year, gap-free, and safe
    under concurrent creation.

    One statement (an upsert that adds ``count`` and returns the new last number) takes the year's
    counter row and keeps it locked until the caller's transaction ends: a concurrent creation waits,
    a rolled-back one gives its numbers back. PostgreSQL and SQLite (>= 3.35) both run it.
    """
    table = connection.ops.quote_name(TicketSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (year, last_number) VALUES (%s, %s) "  # noqa: S608 - table name from the model
            f"ON CONFLICT (year) DO UPDATE SET last_number = {table}.last_number + %s RETURNING last_number",
            [year, count, count],
        )
        (last,) = cursor.fetchone()
    return [f"{REFERENCE_PREFIX}-{year}-{number:06d}" for number in range(last - count + 1, last + 1)]


def next_reference(*, year: int) -> str:
    """The next reference of ``year`` (see :func:`next_references`)."""
    return next_references(year=year, count=1)[0]


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


def intake_check(request: TicketRequest, *, matrix: PriorityMatrix) -> CheckedRequest:
    """Check a request (title, channel, category, site, priority and its reason, custom fields) in
    that order; reads nothing when the requester's organisation and the category's organisations
    and fields are loaded (prefetched)."""
    title = request.title.strip()
    if not title:
        raise ValidationFailed(_("A title is required."), field="title")
    if request.channel not in Channel.values:
        raise ValidationFailed(f"unknown channel {request.channel}", field="channel")
    organisation = request.requester.organisation
    category = request.category
    check_category(category=category, organisation=organisation)
    if request.site is not None and request.site.organisation_id != organisation.pk:
        raise ValidationFailed("this site belongs to another organisation", field="site")
    computed = matrix_priority(matrix=matrix, impact=request.impact, urgency=request.urgency)
    if request.priority is not None and request.priority != computed and not request.priority_reason.strip():
        raise ValidationFailed(_("Give a reason to override the priority."), field="priority_reason")
    return CheckedRequest(
        request=request,
        title=title,
        organisation=organisation,
        computed_priority=computed,
        custom_fields=validate_custom_fields(category=category, values=request.custom_fields or {}),
        tag_names=tag_names(request.tags),
        watchers=list({watcher.pk: watcher for watcher in request.watchers}.values()),
    )


def first_line_teams(*, organisation_ids: Iterable[int]) -> dict[int, list[Team]]:
    """The active teams serving each organisation, lowest support level first (then by name)."""
    served = (
        Team.organisations.through.objects.filter(
            organisation_id__in=set(organisation_ids), team__is_active=True
        )
        .select_related("team")
        .order_by("team__support_level", "team__name")
    )
    teams: dict[int, list[Team]] = {}
    for row in served:
        teams.setdefault(row.organisation_id, []).append(row.team)
    return teams


def first_line_choose(
    *, teams: Sequence[Team], category: Category | None, addressed: Team | None = None
) -> Team | None:
    """The team a new ticket goes to among ``teams`` (those serving the organisation, in
    :func:`first_line_teams` order): the team the request was addressed to (a mailbox's team), else
    the category's default team, when it is among them; else the first of them."""
    serving = {team.pk: team for team in teams}
    for wanted in (addressed.pk if addressed else None, category.default_team_id if category else None):
        if wanted in serving:
            return serving[wanted]
    return teams[0] if teams else None


def first_line_team(
    *, organisation: Organisation, category: Category | None, addressed: Team | None = None
) -> Team | None:
    """The team a new ticket of ``organisation`` goes to (see :func:`first_line_choose`); the teams
    serving an organisation are kept per process (``core.refdata``)."""
    teams = refdata(
        "tickets.first_line_teams",
        organisation.pk,
        lambda: first_line_teams(organisation_ids=[organisation.pk]).get(organisation.pk, []),
    )
    return first_line_choose(teams=teams, category=category, addressed=addressed)


@dataclass
class TeamLoads:
    """The available members of some auto-assigning teams (by name) and how many open tickets each
    has; :meth:`pick` assigns and counts the new ticket, so a batch assigns like one-by-one calls."""

    members: dict[int, list[User]] = default(default_factory=dict)
    loads: dict[int, int] = default(default_factory=dict)

    def pick(self, team: Team) -> User | None:
        """The member of ``team`` with the fewest open tickets (ties: by name), now one more."""
        members = self.members.get(team.pk, []) if team.is_auto_assign else []
        if not members:
            return None
        _position, chosen = min(enumerate(members), key=lambda pair: (self.loads[pair[1].pk], pair[0]))
        self.loads[chosen.pk] += 1
        return chosen


def team_loads(*, teams: Iterable[Team]) -> TeamLoads:
    """The members and loads of the auto-assigning ``teams``, in one query (none if no team is)."""
    loads = TeamLoads()
    team_ids = {team.pk for team in teams if team.is_auto_assign}
    if not team_ids:
        return loads
    # Planned absences (reports.Absence, edited in the admin) count as unavailable for the day.
    absent = apps.get_model("reports", "Absence").objects.filter(
        user_id=OuterRef("user_id"), starts_on__lte=timezone.localdate(), ends_on__gte=timezone.localdate()
    )
    memberships = (
        TeamMembership.objects.filter(team_id__in=team_ids, is_available=True, user__is_active=True)
        .filter(~Exists(absent))
        .select_related("user")
        .annotate(
            load=Count("user__assigned_tickets", filter=Q(user__assigned_tickets__state__in=OPEN_STATES))
        )
        .order_by("user__full_name", "user__pk")
    )
    for membership in memberships:
        loads.members.setdefault(membership.team_id, []).append(membership.user)
        loads.loads[membership.user_id] = membership.load
    return loads


def least_loaded_agent(*, team: Team) -> User | None:
    """The available member of ``team`` with the fewest open tickets assigned (ties: by name)."""
    return team_loads(teams=[team]).pick(team)


def default_sla_policy() -> SlaPolicy | None:
    """The policy of requests that no contract covers (kept per process, ``core.refdata``)."""
    return default_policy_kept()


def ticket_build(
    checked: CheckedRequest,
    *,
    reference: str,
    match: ContractMatch,
    team: Team | None,
    assignee: User | None,
    default_policy: Callable[[], SlaPolicy | None],
) -> Ticket:
    """The new ticket (not saved) for a checked request and what intake chose for it."""
    request, category = checked.request, checked.request.category
    computed = checked.computed_priority
    return Ticket(
        reference=reference,
        kind=request.kind or (category.default_kind if category else "incident"),
        title=checked.title[:200],
        description=request.description,
        requester=request.requester,
        organisation=checked.organisation,
        site=request.site or request.requester.site,
        contract=match.contract,
        is_out_of_contract=match.is_out_of_contract,
        out_of_contract_reason=match.out_of_contract_reason,
        category=category,
        channel=request.channel,
        custom_fields=checked.custom_fields,
        impact=request.impact,
        urgency=request.urgency,
        priority=request.priority or computed,
        is_priority_overridden=request.priority is not None and request.priority != computed,
        state=State.ASSIGNED if assignee else State.NEW,
        team=team,
        assignee=assignee,
        support_level=team.support_level if team else 1,
        sla_policy=match.contract.sla_policy if match.contract else default_policy(),
    )


def creation_data(ticket: Ticket, checked: CheckedRequest) -> dict[str, JSONValue]:
    """The details of the ``ticket.created`` event."""
    return {"priority_reason": checked.request.priority_reason} if ticket.is_priority_overridden else {}


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
    team: Team | None = None,
) -> Ticket:
    """Log a new ticket for ``requester``: qualify it, match the contract, pick the SLA and the team.

    ``team``: the team the request is addressed to (a mailbox's team); the ticket goes to it when it
    serves the requester's organisation, else to the usual first-line team.
    Out-of-contract requests are accepted, flagged with the reason, and the supervisors are notified.
    """
    request = TicketRequest(
        requester=requester, title=title, description=description, kind=kind, category=category,
        channel=channel, impact=impact, urgency=urgency, priority=priority, priority_reason=priority_reason,
        site=site, tags=tags, custom_fields=custom_fields, watchers=watchers, team=team,
    )  # fmt: skip
    checked = intake_check(request, matrix=priority_matrix_cached())
    organisation, category = checked.organisation, request.category
    now = timezone.now()
    team = first_line_team(organisation=organisation, category=category, addressed=request.team)
    ticket = ticket_build(
        checked,
        match=contract_match(organisation=organisation, category=category, at=now),
        team=team,
        assignee=least_loaded_agent(team=team) if team else None,
        reference=next_reference(year=timezone.localdate(now).year),
        default_policy=default_sla_policy,
    )
    ticket.save(force_insert=True)
    if checked.tag_names:
        ticket.tags.set(tag_objects(checked.tag_names))
    if checked.watchers:
        ticket.watchers.set(checked.watchers)
    record(
        actor=actor, ticket=ticket, action="ticket.created", before={}, data=creation_data(ticket, checked)
    )
    # A new ticket's history is its creation: no need to read back the event just written.
    notify_many(notices=intake_notices(ticket, supervisors=supervisors))
    return ticket


def tag_names(names: Iterable[str]) -> list[str]:
    """Tag names as stored: lower-case, spaces to dashes, at most 60 characters, sorted, no repeats."""
    return sorted({name.strip().lower().replace(" ", "-")[:60] for name in names if name.strip()})


def tag_objects(names: Iterable[str]) -> list[Tag]:
    """Tags by name (cleaned by :func:`tag_names`), created on first use."""
    return list(tags_by_name(tag_names(names)).values())


def tags_by_name(names: Iterable[str]) -> dict[str, Tag]:
    """Tags by (cleaned) name in at most three queries; missing ones are created in the order given."""
    wanted = list(dict.fromkeys(names))
    found = {tag.name: tag for tag in Tag.objects.filter(name__in=wanted)}
    missing = [name for name in wanted if name not in found]
    if missing:
        # ignore_conflicts: a concurrent request may create the same tag; it is read back below.
        Tag.objects.bulk_create([Tag(name=name) for name in missing], ignore_conflicts=True)
        found |= {tag.name: tag for tag in Tag.objects.filter(name__in=missing)}
    return found


def intake_notices(ticket: Ticket, *, supervisors: Callable[[], Iterable[User]]) -> list[Notice]:
    """The supervisors hear of a new ticket out of contract (its assignee and requester hear of it
    from the ``ticket.created`` event, through the notification subscriber)."""
    notices: list[Notice] = []
    if ticket.is_out_of_contract:
        text = f"{ticket.reference}: {ticket.get_out_of_contract_reason_display()}"
        notices.append(
            Notice(recipients=supervisors(), kind=NotificationKind.OUT_OF_CONTRACT, ticket=ticket, text=text)
        )
    return notices
