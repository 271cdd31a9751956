"""Directory endpoints: who am I, organisations, contracts, categories, teams.

Everyone reads what ``authz`` lets them see; only administrators write.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from escalade import authz
from escalade.accounts.models import Team, User
from escalade.accounts.services import TEAM_FIELDS, team_create
from escalade.api import queries
from escalade.api.auth import actor_of, caller
from escalade.api.schemas.common import MeOut
from escalade.api.schemas.directory import (
    CategoryCreateIn,
    CategoryOut,
    CategoryUpdateIn,
    ContractOut,
    OrganisationCreateIn,
    OrganisationOut,
    OrganisationUpdateIn,
    TeamCreateIn,
    TeamOut,
    TeamUpdateIn,
)
from escalade.contracts.models import Contract
from escalade.core.errors import PermissionDeniedError
from escalade.core.services import configuration_save
from escalade.orgs.models import Organisation
from escalade.orgs.services import organisation_create, organisation_update
from escalade.tickets.models import Category
from escalade.tickets.services._common import CATEGORY_FIELDS

router = Router(tags=["directory"])


def administrator(request: HttpRequest) -> User:
    """The caller, if they may change the configuration (administrators, as for the admin site)."""
    user = caller(request)
    if not authz.can_access_admin_site(user):
        raise PermissionDeniedError(_("Only administrators may change the configuration."))
    return user


@router.get("/me", response=MeOut, summary="The person this token acts as")
def me_read(request: HttpRequest) -> User:
    user = caller(request)
    return User.objects.select_related("organisation").get(pk=user.pk)


@router.get("/organisations", response=list[OrganisationOut], summary="Organisations I can see")
def organisation_list(request: HttpRequest) -> QuerySet[Organisation]:
    return authz.organisations_visible_to(caller(request)).order_by("name")


@router.get("/organisations/{organisation_id}", response=OrganisationOut, summary="Read an organisation")
def organisation_read(request: HttpRequest, organisation_id: int) -> Organisation:
    return queries.found(authz.organisations_visible_to(caller(request)), organisation_id)


@router.post("/organisations", response={201: OrganisationOut}, summary="Add a client organisation")
def organisation_add(request: HttpRequest, payload: OrganisationCreateIn) -> Organisation:
    administrator(request)
    return organisation_create(actor=actor_of(request), **payload.model_dump())


@router.patch("/organisations/{organisation_id}", response=OrganisationOut, summary="Change an organisation")
def organisation_change(
    request: HttpRequest, organisation_id: int, payload: OrganisationUpdateIn
) -> Organisation:
    user = administrator(request)
    organisation = queries.found(authz.organisations_visible_to(user), organisation_id)
    return organisation_update(
        actor=actor_of(request), organisation=organisation, **payload.model_dump(exclude_unset=True)
    )


@router.get("/contracts", response=list[ContractOut], summary="Contracts of the organisations I can see")
def contract_list(request: HttpRequest) -> QuerySet[Contract]:
    return queries.contracts_visible_to(caller(request))


@router.get("/categories", response=list[CategoryOut], summary="Categories I may use")
def category_list(request: HttpRequest) -> QuerySet[Category]:
    return authz.categories_visible_to(caller(request)).prefetch_related("organisations")


def _category_values(user: User, fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    related: dict[str, Any] = {}
    if "organisation_ids" in fields:
        organisations = authz.organisations_visible_to(user)
        ids = fields.pop("organisation_ids") or []
        related["organisations"] = queries.objects_for(organisations, ids, field="organisation_ids")
    if fields.get("parent_id") is not None:
        queries.found_or_invalid(Category.objects.all(), fields["parent_id"], field="parent_id")
    if fields.get("default_team_id") is not None:
        queries.team_for(fields["default_team_id"], field="default_team_id")
    return fields, related


@router.post("/categories", response={201: CategoryOut}, summary="Add a category")
def category_add(request: HttpRequest, payload: CategoryCreateIn) -> Category:
    user = administrator(request)
    values, related = _category_values(user, payload.model_dump())
    return configuration_save(
        actor=actor_of(request), instance=Category(), fields=CATEGORY_FIELDS,
        values=values, related=related,
    )  # fmt: skip


@router.patch("/categories/{category_id}", response=CategoryOut, summary="Change a category")
def category_change(request: HttpRequest, category_id: int, payload: CategoryUpdateIn) -> Category:
    user = administrator(request)
    category = queries.found(Category.objects.all(), category_id)
    values, related = _category_values(user, payload.model_dump(exclude_unset=True))
    return configuration_save(
        actor=actor_of(request), instance=category, fields=CATEGORY_FIELDS,
        values=values, related=related,
    )  # fmt: skip


@router.get("/teams", response=list[TeamOut], summary="Teams serving the organisations I can see")
def team_list(request: HttpRequest) -> QuerySet[Team]:
    return queries.teams_visible_to(caller(request))


@router.post("/teams", response={201: TeamOut}, summary="Add a team")
def team_add(request: HttpRequest, payload: TeamCreateIn) -> Team:
    user = administrator(request)
    organisations = queries.objects_for(
        authz.organisations_visible_to(user), payload.organisation_ids, field="organisation_ids"
    )
    team = team_create(
        actor=actor_of(request),
        name=payload.name,
        support_level=payload.support_level,
        organisations=organisations,
        email=payload.email,
    )
    return queries.found(queries.teams_visible_to(user), team.pk)


@router.patch("/teams/{team_id}", response=TeamOut, summary="Change a team")
def team_change(request: HttpRequest, team_id: int, payload: TeamUpdateIn) -> Team:
    user = administrator(request)
    team = queries.found(Team.objects.all(), team_id)
    values = payload.model_dump(exclude_unset=True)
    related = {}
    if "organisation_ids" in values:
        ids = values.pop("organisation_ids") or []
        related["organisations"] = queries.objects_for(
            authz.organisations_visible_to(user), ids, field="organisation_ids"
        )
    configuration_save(
        actor=actor_of(request), instance=team, fields=TEAM_FIELDS, values=values,
        related=related,
    )  # fmt: skip
    return queries.found(queries.teams_visible_to(user), team.pk)
