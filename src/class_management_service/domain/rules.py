"""The service's decisions about input, as pure functions: one course, names, id sets."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from class_management_service.domain.errors import MultipleCourseError


def single_course_code(course_codes: Sequence[str]) -> str:
    """Enforce one course per class; the API takes a list for forward compatibility.

    Codes are case-insensitive ("eng5" is ENG5): the reference table holds them in upper case.
    """
    if len(course_codes) > 1:
        raise MultipleCourseError(course_codes)
    return course_codes[0].upper()


def full_name_of(first_name: str, last_name: str) -> str:
    return f"{first_name} {last_name}".strip()


def unique_ids(ids: Sequence[UUID]) -> tuple[UUID, ...]:
    """Membership is a set: drop repeats, keep first-seen order."""
    return tuple(dict.fromkeys(ids))


@dataclass(frozen=True, slots=True)
class PersonName:
    """A student's names as given; the legal name defaults to "first last"."""

    first_name: str
    last_name: str
    legal_full_name: str | None = None

    @property
    def legal_or_default(self) -> str:
        return self.legal_full_name or full_name_of(self.first_name, self.last_name)


@dataclass(frozen=True, slots=True)
class NameChange:
    """The names an update sends; ``None`` keeps a field (see ``domain.updates.merged_names``)."""

    first_name: str | None = None
    last_name: str | None = None
    legal_full_name: str | None = None
