"""Reads behind the endpoints, always starting from an ``authz`` scoped queryset.

(These are selectors of the tickets and directory domains; they live here until those apps grow
``selectors.py`` functions of the same shape.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.translation import gettext as _

from escalade import authz
from escalade.accounts.models import Team, User
from escalade.api.schemas.tickets import TicketListIn
from escalade.contracts.models import Contract
from escalade.core.errors import NotFoundError, ValidationFailed
from escalade.orgs.models import Site
from escalade.sla.models import BusinessCalendar, SlaPolicy
from escalade.tickets.choices import FollowUpKind
from escalade.tickets.models import Attachment, Category, FollowUp, Tag, Ticket, TicketLink

SUMMARY_RELATED = ("organisation", "requester", "team", "assignee", "category")
DETAIL_RELATED = (*SUMMARY_RELATED, "site", "contract", "sla_policy", "merged_into")


@dataclass(frozen=True)
class LinkView:
    kind: str
    direction: str
    ticket: Ticket


def visible_ticket(user: User, reference: str) -> Ticket:
    """The ticket ``reference`` if ``user`` may see it; otherwise not found (existence never leaks)."""
    ticket = authz.tickets_visible_to(user).filter(reference=reference).first()
    if ticket is None:
        raise NotFoundError(_("No such ticket."))
    return ticket


def referenced_ticket(user: User, reference: str, *, field: str) -> Ticket:
    """A ticket named in the request body: unknown and invisible ones are the same input error."""
    ticket = authz.tickets_visible_to(user).filter(reference=reference).first()
    if ticket is None:
        raise ValidationFailed(_("No such ticket."), field=field)
    return ticket


def followups_visible_to(user: User, ticket: Ticket) -> QuerySet[FollowUp]:
    """Provider staff read the whole conversation; everyone else only the public replies."""
    followups = ticket.followups.select_related("author")
    if not authz.is_provider_staff(user):
        followups = followups.filter(kind=FollowUpKind.REPLY)
    return followups


def attachments_visible_to(user: User, ticket: Ticket) -> QuerySet[Attachment]:
    """Internal files (or files on internal notes) are for provider staff only."""
    attachments = ticket.attachments.all()
    if not authz.is_provider_staff(user):
        attachments = attachments.filter(is_internal=False).exclude(followup__kind=FollowUpKind.NOTE)
    return attachments


def _links(user: User, ticket: Ticket) -> list[LinkView]:
    """The links between ``ticket`` and the tickets ``user`` sees, outgoing first (one query)."""
    visible = authz.tickets_visible_to(user).values("pk")
    links = list(
        TicketLink.objects.filter(Q(source=ticket, target__in=visible) | Q(target=ticket, source__in=visible))
        .select_related("source", "target")
        .order_by("pk")
    )
    outgoing = [LinkView(kind=link.kind, direction="out", ticket=link.target) for link in links
                if link.source_id == ticket.pk]  # fmt: skip
    incoming = [LinkView(kind=link.kind, direction="in", ticket=link.source) for link in links
                if link.target_id == ticket.pk]  # fmt: skip
    return outgoing + incoming


def ticket_detail(user: User, reference: str) -> Ticket:
    """A visible ticket with its related objects and the conversation, files and links ``user`` may see:
    three queries (the ticket, its tags, its conversation), one more for its files and one for its links
    when it has any (the ticket's query says whether it has)."""
    ticket = (
        authz.tickets_visible_to(user)
        .select_related(*DETAIL_RELATED)
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.only("name")))
        .annotate(
            has_attachments=Exists(Attachment.objects.filter(ticket=OuterRef("pk"))),
            has_links_out=Exists(TicketLink.objects.filter(source=OuterRef("pk"))),
            has_links_in=Exists(TicketLink.objects.filter(target=OuterRef("pk"))),
        )
        .filter(reference=reference)
        .first()
    )
    if ticket is None:
        raise NotFoundError(_("No such ticket."))
    ticket.visible_followups = list(followups_visible_to(user, ticket))  # type: ignore[attr-defined]
    has_links = ticket.has_links_out or ticket.has_links_in
    attachments = attachments_visible_to(user, ticket) if ticket.has_attachments else []
    ticket.visible_attachments = list(attachments)  # type: ignore[attr-defined]
    ticket.visible_links = _links(user, ticket) if has_links else []  # type: ignore[attr-defined]
    return ticket


def tickets_created(tickets: list[Ticket]) -> list[Ticket]:
    """Tickets the caller has just created, ready for output without reading them back (one query for
    all their tags): they have no conversation, files or links yet, and their related objects are the
    ones the service was given."""
    prefetch_related_objects(tickets, Prefetch("tags", queryset=Tag.objects.only("name")))
    for ticket in tickets:
        ticket.visible_followups = []  # type: ignore[attr-defined]
        ticket.visible_attachments = []  # type: ignore[attr-defined]
        ticket.visible_links = []  # type: ignore[attr-defined]
    return tickets


def ticket_created(ticket: Ticket) -> Ticket:
    """One ticket the caller has just created (see :func:`tickets_created`)."""
    return tickets_created([ticket])[0]


def ticket_list(user: User, filters: TicketListIn) -> QuerySet[Ticket]:
    """The visible tickets matching ``filters`` (not yet ordered or paged)."""
    tickets = authz.tickets_visible_to(user).select_related(*SUMMARY_RELATED)
    tickets = tickets.prefetch_related(Prefetch("tags", queryset=Tag.objects.only("name")))
    conditions = Q()
    if filters.state:
        conditions &= Q(state__in=filters.state)
    if filters.priority:
        conditions &= Q(priority__in=filters.priority)
    exact = {
        "organisation_id": filters.organisation,
        "team_id": filters.team,
        "assignee_id": filters.assignee,
        "category_id": filters.category,
        "channel": filters.channel,
        "is_out_of_contract": filters.is_out_of_contract,
    }
    conditions &= Q(**{name: value for name, value in exact.items() if value is not None})
    if filters.q:
        conditions &= Q(title__icontains=filters.q)
    return tickets.filter(conditions)


def _lookup[M: Model](queryset: QuerySet[M], pk: int, field: str) -> M:
    return known_or_invalid(visible_by_pk(queryset, [pk]), pk, field=field)


def person_for(user: User, pk: int, *, field: str) -> User:
    return _lookup(authz.people_visible_to(user), pk, field)


def team_for(pk: int, *, field: str) -> Team:
    """Teams are referred to by id; the services check that a team serves the ticket's client."""
    return _lookup(Team.objects.all(), pk, field)


def category_for(user: User, pk: int, *, field: str) -> Category:
    return _lookup(authz.categories_visible_to(user), pk, field)


def sites_visible_to(user: User) -> QuerySet[Site]:
    return Site.objects.filter(organisation__in=authz.organisations_visible_to(user))


def site_for(user: User, pk: int, *, field: str) -> Site:
    return _lookup(sites_visible_to(user), pk, field)


def visible_by_pk[M: Model](queryset: QuerySet[M], pks: Iterable[int | None]) -> dict[int, M]:
    """The objects ``pks`` (None skipped) of a scoped queryset, by pk, in one query (none if no pk);
    an unknown or invisible one is simply missing."""
    wanted = {pk for pk in pks if pk is not None}
    return {obj.pk: obj for obj in queryset.filter(pk__in=wanted)} if wanted else {}


def known_or_invalid[M: Model](found: Mapping[int, M], pk: int, *, field: str) -> M:
    """``found[pk]`` (see :func:`visible_by_pk`), or the input error an unknown object gives."""
    if pk not in found:
        raise ValidationFailed(_("Unknown or not visible to you."), field=field)
    return found[pk]


def followup_for(user: User, ticket: Ticket, pk: int, *, field: str) -> FollowUp:
    return _lookup(followups_visible_to(user, ticket), pk, field)


def teams_visible_to(user: User) -> QuerySet[Team]:
    """Teams serving an organisation ``user`` sees (active ones only for client people), each with
    only the served organisations ``user`` sees."""
    organisations = authz.organisations_visible_to(user)
    teams = Team.objects.all()
    if not authz.sees_all_organisations(user):
        teams = teams.filter(pk__in=Team.objects.filter(organisations__in=organisations).values("pk"))
    if not authz.is_provider_staff(user):
        teams = teams.filter(is_active=True)
    return teams.prefetch_related(Prefetch("organisations", queryset=organisations.only("pk")))


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    return Contract.objects.filter(organisation__in=authz.organisations_visible_to(user)).prefetch_related(
        Prefetch("categories", queryset=Category.objects.only("pk"))
    )


def sla_policies_visible_to(user: User) -> QuerySet[SlaPolicy]:
    """Provider staff see every policy; client people the default one and their contracts' ones."""
    policies = SlaPolicy.objects.prefetch_related("targets")
    if authz.is_provider_staff(user):
        return policies
    contracts = Contract.objects.filter(organisation__in=authz.organisations_visible_to(user))
    return policies.filter(Q(is_default=True) | Q(pk__in=contracts.values("sla_policy")))


def calendars_visible_to(user: User) -> QuerySet[BusinessCalendar]:
    """Provider staff see every calendar; client people those of the policies and contracts they see."""
    calendars = BusinessCalendar.objects.prefetch_related("intervals", "closures")
    if authz.is_provider_staff(user):
        return calendars
    contracts = Contract.objects.filter(organisation__in=authz.organisations_visible_to(user))
    policies = sla_policies_visible_to(user)
    return calendars.filter(
        Q(pk__in=policies.values("calendar")) | Q(pk__in=contracts.values("support_calendar"))
    )


def found[M: Model](queryset: QuerySet[M], pk: int) -> M:
    """The object ``pk`` of a scoped queryset, or not found."""
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        raise NotFoundError(_("Not found."))
    return obj


def objects_for[M: Model](queryset: QuerySet[M], pks: list[int], *, field: str) -> list[M]:
    """All the objects ``pks`` (an unknown one is an input error on ``field``)."""
    objects = list(queryset.filter(pk__in=pks))
    if len(objects) != len(set(pks)):
        raise ValidationFailed(_("Unknown or not visible to you."), field=field)
    return objects


def found_or_invalid[M: Model](queryset: QuerySet[M], pk: int, *, field: str) -> M:
    """The object ``pk`` named in the request body, or an input error on ``field``."""
    return _lookup(queryset, pk, field)
