"""Entities, value objects and the commands that change them; pure data, no I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Generic, TypeVar
from uuid import UUID

from class_management_service.domain.rules import full_name_of

if TYPE_CHECKING:
    from class_management_service.domain.association_decisions import CompletedBatch

T = TypeVar("T")


class Unset(Enum):
    """Marks a field the caller omitted, as opposed to one set to ``None`` on purpose."""

    UNSET = "UNSET"


UNSET = Unset.UNSET


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks (the teacher from ``X-User-ID``) and the correlation id of the request."""

    user_id: str
    correlation_id: UUID


@dataclass(frozen=True, slots=True)
class Course:
    """A reference course; classes bind exactly one."""

    code: str
    name: str
    language: str


@dataclass(frozen=True, slots=True)
class SchoolClass:
    """A teacher's class, bound to one course."""

    id: UUID
    name: str
    course: Course
    student_count: int
    created_by_user_id: str
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class Student:
    """A student owned by the teacher who created them, enrolled in any of their classes."""

    id: UUID
    first_name: str
    last_name: str
    legal_full_name: str
    email: str | None
    class_ids: tuple[UUID, ...]
    created_by_user_id: str
    created_at: datetime
    updated_at: datetime
    # The school information system's id, unique among the teacher's students (roster import).
    external_id: str | None = None

    @property
    def full_name(self) -> str:
        return full_name_of(self.first_name, self.last_name)


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """One student as the NLP matcher reads a class roster."""

    student_id: UUID
    first_name: str
    last_name: str
    legal_full_name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class NewClass:
    """A class to create; ``id`` and ``at`` are decided by the service, not the database."""

    id: UUID
    name: str
    course_code: str
    owner: str
    at: datetime


@dataclass(frozen=True, slots=True)
class ClassChanges:
    """A partial update of a class; ``None`` keeps the current value."""

    name: str | None
    course_code: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class NewStudent:
    """A student to create, with the classes to enrol them in (deduplicated, order kept)."""

    id: UUID
    first_name: str
    last_name: str
    legal_full_name: str
    email: str | None
    class_ids: tuple[UUID, ...]
    owner: str
    at: datetime
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class StudentChanges:
    """A partial update of a student: omitted fields keep their value, ``email=None`` clears it."""

    first_name: str | None
    last_name: str | None
    legal_full_name: str | None
    email: str | Unset | None
    add_class_ids: tuple[UUID, ...]
    remove_class_ids: tuple[UUID, ...]
    at: datetime
    external_id: str | Unset | None = UNSET


@dataclass(frozen=True, slots=True)
class StudentUpdate:
    """The outcome of a student update: the new state and the memberships that really changed."""

    student: Student
    added_class_ids: tuple[UUID, ...]
    removed_class_ids: tuple[UUID, ...]


@dataclass(frozen=True, slots=True)
class DeletedClass:
    """What a class delete removed: the class and the memberships that went with it."""

    school_class: SchoolClass
    removed_student_ids: tuple[UUID, ...]
    # Batches that ``force`` decided (their pending essays rejected) before the delete.
    completed_batches: tuple[CompletedBatch, ...] = ()


@dataclass(frozen=True, slots=True)
class DeletedStudent:
    """What a student delete removed: the student and their memberships."""

    student: Student
    # Batches that ``force`` completed by rejecting the pending essays naming this student.
    completed_batches: tuple[CompletedBatch, ...] = ()


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Offset or keyset pagination, newest first; ``after`` is the decoded cursor."""

    limit: int = 20
    offset: int = 0
    after: tuple[datetime, UUID] | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of results and the total number of matches."""

    items: Sequence[T]
    total: int
    request: PageRequest = field(default_factory=PageRequest)


@dataclass(frozen=True, slots=True)
class StudentFilter:
    """Narrows a student listing to one class and/or a name/email search term."""

    class_id: UUID | None = None
    query: str | None = None
