"""Shapes shared by several operations: errors and short references to related objects."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from django.conf import settings
from ninja import Field, Schema
from pydantic import ModelWrapValidatorHandler, StringConstraints, ValidationInfo, model_validator
from pydantic_core import PydanticCustomError

from escalade.core.text import BIGINT_MAX

# Free text (a description, a reply, a reason): ESCALADE_TEXT_MAX_CHARS characters at most.
LongText = Annotated[str, Field(max_length=settings.ESCALADE_TEXT_MAX_CHARS)]
# A row's id as a client may send it: within the 64 bits both databases store (SQLite cannot even
# compare with a larger integer).
Id = Annotated[int, Field(ge=1, le=BIGINT_MAX)]
TAGS_MAX = 50  # tags on one ticket
Tag = Annotated[str, StringConstraints(min_length=1, max_length=60)]


def _without_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def unchanged(**constraints: Any) -> Any:
    """The default of an update's field that may be left out (then it stays as it is) but not sent as
    null (it has no "empty" value): the schema states the type alone, and null is a 422."""
    return Field(None, json_schema_extra=_without_default, **constraints)


class Input(Schema):
    """Base of every input schema: only a JSON object is one.

    ninja's ``Schema`` validates any value by reading its attributes (for output from model
    instances), so a bare string would pass as a ticket (``str.title`` is an attribute); inputs
    accept mappings only, at every level.
    """

    @model_validator(mode="wrap")
    @classmethod
    def _run_root_validator(
        cls, values: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if not isinstance(values, Mapping):
            raise PydanticCustomError("model_type", "Input should be an object")
        return handler(values)


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
