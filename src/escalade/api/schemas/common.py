"""Shapes shared by several operations: errors and short references to related objects."""

from __future__ import annotations

from ninja import Schema


class FieldErrorOut(Schema):
    field: str | None
    message: str
    type: str | None = None


class ErrorOut(Schema):
    """Every error: a stable ``code`` to branch on, a message for people, the offending field if any."""

    code: str
    message: str
    field: str | None = None
    errors: list[FieldErrorOut] | None = None


class OrganisationRef(Schema):
    id: int
    name: str


class PersonRef(Schema):
    id: int
    full_name: str
    email: str


class TeamRef(Schema):
    id: int
    name: str
    support_level: int


class CategoryRef(Schema):
    id: int
    name: str


class MeOut(Schema):
    """The person the token belongs to."""

    id: int
    email: str
    full_name: str
    role: str
    language: str
    time_zone: str
    organisation: OrganisationRef
