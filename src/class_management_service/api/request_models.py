"""What every request model shares: strict bodies, the limits of names, and a student's names."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

# PostgreSQL rejects NUL in text, so it never reaches the database.
NO_NUL = r"^[^\x00]*$"
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=NO_NUL)]
NamePart = Annotated[str, StringConstraints(strip_whitespace=True, max_length=255, pattern=NO_NUL)]
# A legal name sent has the limit of every name; the default "first last" may be longer (the
# column holds 512 characters for it).
LegalName = Name
# A school information system's id (roster import): unique among the teacher's students.
ExternalId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255, pattern=NO_NUL)
]


class RequestModel(BaseModel):
    """A request's query or body, immutable once validated."""

    model_config = ConfigDict(frozen=True)


class BodyModel(RequestModel):
    """A JSON body: a field the contract does not name is a 400 naming it, never silently dropped."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class PersonNameModel(BodyModel):
    """A student's names; first or last may be empty, not both; ``legal_full_name`` defaults to
    "first last"."""

    first_name: NamePart
    last_name: NamePart
    legal_full_name: LegalName | None = None

    @model_validator(mode="after")
    def _has_a_name(self) -> PersonNameModel:
        if not (self.first_name or self.last_name):
            raise ValueError("first_name and last_name cannot both be empty")
        return self


class PersonNameUpdateModel(BodyModel):
    """Any subset of a student's names; an omitted (or null) field keeps its value.

    A legal name that was only the default ("first last") follows a rename; one set explicitly
    survives it. First and last may not both end up empty.
    """

    first_name: NamePart | None = None
    last_name: NamePart | None = None
    legal_full_name: LegalName | None = None

    @model_validator(mode="after")
    def _has_a_name(self) -> PersonNameUpdateModel:
        if self.first_name == "" and self.last_name == "":
            raise ValueError("first_name and last_name cannot both be empty")
        return self
