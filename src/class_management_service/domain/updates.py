"""What a partial update changes: names merged without loss, and whether anything changes at all.

Every backend reads the current row under its lock, asks these functions, and writes only when
``is_changed``: an update that changes nothing leaves the row, ``updated_at`` and the outbox alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from class_management_service.domain.errors import EmptyNameError
from class_management_service.domain.memberships import MembershipChange, membership_change
from class_management_service.domain.models import (
    UNSET,
    ClassChanges,
    SchoolClass,
    Student,
    StudentChanges,
    StudentUpdate,
)
from class_management_service.domain.rules import full_name_of


def is_class_changed(current: SchoolClass, changes: ClassChanges) -> bool:
    """A new name or another course; a course code is compared as the domain normalised it."""
    renamed = changes.name is not None and changes.name != current.name
    rebound = changes.course_code is not None and changes.course_code != current.course.code
    return renamed or rebound


def merged_names(current: Student, changes: StudentChanges) -> tuple[str, str, str]:
    """First, last and legal name after the update; each omitted field keeps its value.

    A legal name that equals "first last" of the current names is taken to be the default and
    follows a rename; one set to anything else is the teacher's choice and survives it.
    """
    first = current.first_name if changes.first_name is None else changes.first_name
    last = current.last_name if changes.last_name is None else changes.last_name
    if not (first or last):
        raise EmptyNameError()
    if changes.legal_full_name is not None:
        legal = changes.legal_full_name
    elif current.legal_full_name == full_name_of(current.first_name, current.last_name):
        legal = full_name_of(first, last)
    else:
        legal = current.legal_full_name
    return first, last, legal


@dataclass(frozen=True, slots=True)
class StudentEdit:
    """The decided outcome of a student update, before anything is written."""

    student: Student
    """The student after the update; ``updated_at`` moves only when something changes."""
    membership: MembershipChange
    is_changed: bool

    @property
    def outcome(self) -> StudentUpdate:
        return StudentUpdate(self.student, self.membership.added, self.membership.removed)


def student_edit(current: Student, joined: Mapping[UUID, datetime], changes: StudentChanges) -> StudentEdit:
    """Apply ``changes`` to ``current``, whose memberships (class → since when) are ``joined``."""
    first, last, legal = merged_names(current, changes)
    email = current.email if changes.email is UNSET else changes.email
    external_id = current.external_id if changes.external_id is UNSET else changes.external_id
    membership = membership_change(joined, changes.add_class_ids, changes.remove_class_ids, changes.at)
    fields = (first, last, legal, email, external_id)
    before = (
        current.first_name,
        current.last_name,
        current.legal_full_name,
        current.email,
        current.external_id,
    )
    is_changed = bool(fields != before or membership.added or membership.removed)
    student = replace(
        current,
        first_name=first,
        last_name=last,
        legal_full_name=legal,
        email=email,
        external_id=external_id,
        class_ids=membership.class_ids,
        updated_at=changes.at if is_changed else current.updated_at,
    )
    return StudentEdit(student, membership, is_changed)


def named_class_ids(joined: Mapping[UUID, datetime], changes: StudentChanges) -> tuple[UUID, ...]:
    """The classes an update adds or removes that the student is not in, in request order.

    Each must be the teacher's, removed or added alike (else a 404 naming it, nothing written):
    the classes the student is in are the teacher's already.
    """
    named = dict.fromkeys((*changes.add_class_ids, *changes.remove_class_ids))
    return tuple(class_id for class_id in named if class_id not in joined)
