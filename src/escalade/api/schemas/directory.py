"""Organisations, contracts, categories and teams: what the operations take and return."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Field, Schema

from escalade.accounts.models import SupportLevel, Team
from escalade.api.schemas.common import Id, Input, LongText, unchanged
from escalade.contracts.models import Contract
from escalade.tickets.choices import Kind
from escalade.tickets.models import Category


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    is_active: bool
    phone: str
    created_at: datetime


class OrganisationCreateIn(Input):
    """A client organisation (the provider organisation exists already)."""

    name: str = Field(..., max_length=200)
    slug: str = Field("", max_length=60, description="Default: made from the name.")
    phone: str = Field("", max_length=40)
    notes: LongText = ""


class OrganisationUpdateIn(Input):
    name: str = unchanged(max_length=200)
    slug: str = unchanged(max_length=60)
    is_active: bool = unchanged()
    phone: str = unchanged(max_length=40)
    notes: LongText = unchanged()


class ContractOut(Schema):
    id: int
    organisation_id: int
    name: str
    reference: str
    starts_on: date
    ends_on: date | None
    is_active: bool
    support_calendar_id: int
    sla_policy_id: int
    category_ids: list[int]

    @staticmethod
    def resolve_category_ids(obj: Contract) -> list[int]:
        return [category.pk for category in obj.categories.all()]


class CategoryOut(Schema):
    id: int
    parent_id: int | None
    name: str
    name_fr: str
    name_en: str
    default_kind: str
    default_team_id: int | None
    is_active: bool
    organisation_ids: list[int] = Field(description="Empty: every organisation may use it.")

    @staticmethod
    def resolve_organisation_ids(obj: Category) -> list[int]:
        return [organisation.pk for organisation in obj.organisations.all()]


class CategoryCreateIn(Input):
    name_fr: str = Field(..., max_length=120)
    name_en: str = Field(..., max_length=120)
    parent_id: Id | None = None
    default_kind: Kind = Kind.INCIDENT
    default_team_id: Id | None = None
    is_active: bool = True
    organisation_ids: list[Id] = Field(default_factory=list)


class CategoryUpdateIn(Input):
    name_fr: str = unchanged(max_length=120)
    name_en: str = unchanged(max_length=120)
    parent_id: Id | None = None
    default_kind: Kind = unchanged()
    default_team_id: Id | None = None
    is_active: bool = unchanged()
    organisation_ids: list[Id] = unchanged()


class TeamOut(Schema):
    id: int
    name: str
    support_level: int
    email: str
    is_auto_assign: bool
    is_active: bool
    organisation_ids: list[int] = Field(description="The organisations served that you can see.")

    @staticmethod
    def resolve_organisation_ids(obj: Team) -> list[int]:
        return [organisation.pk for organisation in obj.organisations.all()]


class TeamCreateIn(Input):
    name: str = Field(..., max_length=120)
    support_level: SupportLevel = SupportLevel.L1
    email: str = ""
    organisation_ids: list[Id] = Field(default_factory=list)


class TeamUpdateIn(Input):
    name: str = unchanged(max_length=120)
    support_level: SupportLevel = unchanged()
    email: str = unchanged()
    is_auto_assign: bool = unchanged()
    is_active: bool = unchanged()
    organisation_ids: list[Id] = unchanged()
