"""Choosing an agent within a team for the assignment actions: in turn, or the least loaded."""

from __future__ import annotations

from django.db.models import Count, Q

from escalade.accounts.models import Team, TeamMembership, User
from escalade.automation.models import RoundRobinCursor
from escalade.tickets.choices import OPEN_STATES
from escalade.tickets.models import Ticket


def _available(team: Team) -> list[User]:
    memberships = TeamMembership.objects.filter(team=team, is_available=True, user__is_active=True)
    return [m.user for m in memberships.select_related("user").order_by("user__full_name", "user_id")]


def round_robin_member(*, team: Team, ticket: Ticket) -> User | None:
    """The available member after the one who got the team's last turn (by name, wrapping round).

    The team's cursor row is locked until the transaction ends, so concurrent assignments take turns.
    """
    members = _available(team)
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
    """The available member with the fewest open tickets assigned (ties: by name)."""
    memberships = (
        TeamMembership.objects.filter(team=team, is_available=True, user__is_active=True)
        .select_related("user")
        .annotate(
            load=Count("user__assigned_tickets", filter=Q(user__assigned_tickets__state__in=OPEN_STATES))
        )
        .order_by("load", "user__full_name", "user_id")
    )
    first = memberships.first()
    return first.user if first else None
