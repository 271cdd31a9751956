"""Reads of people and teams."""

from __future__ import annotations

from django.db.models import QuerySet

from escalade.accounts.models import Team, User


def teams_of(user: User) -> QuerySet[Team]:
    """The active teams a person belongs to, lowest level first."""
    return user.teams.filter(is_active=True).order_by("support_level", "name")
