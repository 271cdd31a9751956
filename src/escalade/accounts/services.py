"""Writes of people and teams. Each records an event."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from escalade.accounts.models import Role, Team, TeamMembership, User
from escalade.core.actors import Actor
from escalade.core.credentials import credentials_changed
from escalade.core.errors import ValidationFailed
from escalade.core.refdata import refdata_changed
from escalade.core.services import (
    changes_between,
    event_record,
    fields_assign,
    fields_check,
    snapshot,
    validate_instance,
)
from escalade.orgs.models import Organisation, Site

USER_FIELDS = (
    "email",
    "full_name",
    "organisation",
    "site",
    "role",
    "language",
    "time_zone",
    "phone",
    "job_title",
    "is_active",
)
PROFILE_FIELDS = frozenset({"full_name", "language", "time_zone", "phone", "job_title"})
# What a request takes from its person once authenticated: a change must reach kept tokens at once.
CREDENTIAL_FIELDS = frozenset({"email", "organisation", "role", "language", "time_zone", "is_active"})
TEAM_FIELDS = ("name", "support_level", "email", "is_auto_assign", "is_active", "organisations")


def _check_role_fits_organisation(*, role: str, organisation: Organisation) -> None:
    if role in {Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR} and not organisation.is_provider:
        raise ValidationFailed(
            "agents, supervisors and administrators belong to the provider organisation",
            field="role",
        )


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    email: str,
    full_name: str,
    organisation: Organisation,
    role: str = Role.REQUESTER,
    password: str | None = None,
    validate_password_strength: bool = True,
    site: Site | None = None,
    **profile: Any,
) -> User:
    """Create a person. Without a password the account cannot sign in until one is set."""
    _check_role_fits_organisation(role=role, organisation=organisation)
    user = User(email=email, full_name=full_name, organisation=organisation, role=role, site=site, **profile)
    user.clean()
    if User.objects.filter(email=user.email).exists():
        raise ValidationFailed(f"{user.email} already has an account", field="email")
    if password and validate_password_strength:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationFailed(" ".join(error.messages), field="password") from error
    user.set_password(password)
    validate_instance(user)
    user.save()
    event_record(
        actor=actor,
        obj=user,
        action="user.created",
        changes=changes_between({}, snapshot(user, USER_FIELDS)),
        organisation_id=organisation.pk,
    )
    return user


@transaction.atomic
def user_update(*, actor: Actor, user: User, **fields: Any) -> User:
    """Change a person's fields (an administrator's edit: role, organisation, active...)."""
    before = snapshot(user, USER_FIELDS)
    fields_assign(user, values=fields, allowed=USER_FIELDS)
    _check_role_fits_organisation(role=user.role, organisation=user.organisation)
    user.clean()
    validate_instance(user)
    user.save()
    changes = changes_between(before, snapshot(user, USER_FIELDS))
    if CREDENTIAL_FIELDS & changes.keys():
        credentials_changed()
    if changes:
        action = "user.role_changed" if "role" in changes else "user.updated"
        event_record(
            actor=actor,
            obj=user,
            action=action,
            changes=changes,
            organisation_id=user.organisation_id,
        )
    return user


def user_update_profile(*, actor: Actor, user: User, **fields: Any) -> User:
    """A person's own preferences: name, language, time zone, phone, job title."""
    fields_check(fields, allowed=PROFILE_FIELDS)
    return user_update(actor=actor, user=user, **fields)


@transaction.atomic
def team_create(
    *,
    actor: Actor,
    name: str,
    support_level: int,
    organisations: list[Organisation] | None = None,
    email: str = "",
) -> Team:
    """Create a support team at a level, serving some organisations."""
    team = Team(name=name.strip(), support_level=support_level, email=email)
    validate_instance(team)
    team.save()
    team.organisations.set(organisations or [])
    refdata_changed()  # the teams serving an organisation are kept per process
    event_record(
        actor=actor,
        obj=team,
        action="team.created",
        changes=changes_between({}, snapshot(team, TEAM_FIELDS)),
    )
    return team


@transaction.atomic
def team_member_add(*, actor: Actor, team: Team, user: User, is_lead: bool = False) -> TeamMembership:
    """Put an agent (or supervisor) in a team."""
    if not user.is_provider_staff:
        raise ValidationFailed("only provider staff can join a support team", field="user")
    membership, created = TeamMembership.objects.get_or_create(
        team=team, user=user, defaults={"is_lead": is_lead}
    )
    if created:
        refdata_changed()  # the organisations an agent serves are kept per process
        event_record(
            actor=actor,
            obj=team,
            action="team.member_added",
            data={"user": user.pk, "email": user.email, "is_lead": is_lead},
        )
    return membership
