"""Choosing an agent within a team for the assignment actions: in turn, or the least loaded.

Both prefer the members whose skills (``TeamMembership.skills``) name one of the ticket's tags or
its category (French or English name, case ignored); when nobody's skills match, every available
member of the team is a candidate.
"""

from __future__ import annotations

from django.db.models import Count, Q

from escalade.accounts.models import Team, TeamMembership, User
from escalade.automation.models import RoundRobinCursor
from escalade.tickets.choices import OPEN_STATES
from escalade.tickets.models import Ticket


def ticket_skills(ticket: Ticket) -> set[str]:
    """What a skill must name to suit ``ticket``: its tags and its category's names, lower-case."""
    wanted = {name.casefold() for name in ticket.tags.values_list("name", flat=True)}
    if ticket.category_id is not None:
        category = ticket.category
        assert category is not None
        wanted |= {category.name_fr.casefold(), category.name_en.casefold()}
    return wanted


def _candidates(team: Team, ticket: Ticket, *, with_load: bool = False) -> list[TeamMembership]:
    memberships = TeamMembership.objects.filter(team=team, is_available=True, user__is_active=True)
    memberships = memberships.select_related("user")
    if with_load:
        open_tickets = Q(user__assigned_tickets__state__in=OPEN_STATES)
        memberships = memberships.annotate(load=Count("user__assigned_tickets", filter=open_tickets))
    available = list(memberships.order_by("user__full_name", "user_id"))
    wanted = ticket_skills(ticket)
    skilled = [m for m in available if wanted & {skill.casefold() for skill in m.skills}]
    return skilled or available


def round_robin_member(*, team: Team, ticket: Ticket) -> User | None:
    """The candidate after the one who got the team's last turn (by name, wrapping round).

    The team's cursor row is locked until the transaction ends, so concurrent assignments take turns.
    """
    members = [membership.user for membership in _candidates(team, ticket)]
    if not members:
        return None
    RoundRobinCursor.objects.get_or_create(team=team)
    cursor = RoundRobinCursor.objects.select_for_update().get(team=team)
    ids = [member.pk for member in members]
    following = ids.index(cursor.last_user_id) + 1 if cursor.last_user_id in ids else 0
    chosen = members[following % len(members)]
    cursor.last_user = chosen
    cursor.save(update_fields=["last_user"])
    return chosen


def least_loaded_member(*, team: Team, ticket: Ticket) -> User | None:
    """The candidate with the fewest open tickets assigned (ties: by name)."""
    candidates = _candidates(team, ticket, with_load=True)
    if not candidates:
        return None
    return min(enumerate(candidates), key=lambda pair: (pair[1].load, pair[0]))[1].user  # type: ignore[attr-defined]
