"""Class-side enrolment: what adding, removing or moving students of a class really changes.

Each student is judged as a student PUT with the same ``add_class_ids``/``remove_class_ids``
would judge them (``domain.updates.student_edit``): a student already in the class is not added
again, one not in it is not removed, and only a student whose memberships change gets a new
``updated_at`` and an event. A move is "into the target, out of the source": a student not in the
source class is simply added to the target, so a repeated move changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from uuid import UUID

from class_management_service.domain.models import UNSET, Student, StudentChanges, StudentUpdate
from class_management_service.domain.roster_errors import RosterTargetsNotFoundError, SameClassMoveError
from class_management_service.domain.rules import unique_ids
from class_management_service.domain.updates import StudentEdit, student_edit

MAX_ROSTER_STUDENTS = 1000
"""Students one request may name: enough for a school year group, small enough for one transaction."""


class RosterAction(StrEnum):
    ADD = "add"
    REMOVE = "remove"
    MOVE = "move"


@dataclass(frozen=True, slots=True)
class RosterChange:
    """A teacher's request to add, remove or move students of one class; ids without repeats."""

    owner: str
    action: RosterAction
    class_id: UUID
    student_ids: tuple[UUID, ...]
    at: datetime
    to_class_id: UUID | None = None

    @classmethod
    def of(
        cls,
        owner: str,
        action: RosterAction,
        class_id: UUID,
        student_ids: Collection[UUID],
        at: datetime,
        to_class_id: UUID | None = None,
    ) -> RosterChange:
        """Repeated student ids count once; a move needs a target other than its source."""
        if (action is RosterAction.MOVE) != (to_class_id is not None):
            raise ValueError("a move, and only a move, names the class it moves to")
        if to_class_id == class_id:
            raise SameClassMoveError()
        return cls(owner, action, class_id, unique_ids(list(student_ids)), at, to_class_id)

    @property
    def class_ids(self) -> tuple[UUID, ...]:
        """Every class the change names: the path's class, then a move's target."""
        return (self.class_id,) if self.to_class_id is None else (self.class_id, self.to_class_id)

    @property
    def joining(self) -> UUID | None:
        """The class a student may join: the class for an add, the target for a move."""
        return {RosterAction.ADD: self.class_id, RosterAction.MOVE: self.to_class_id}.get(self.action)

    def student_changes(self) -> StudentChanges:
        """What a student PUT with the same effect would send."""
        adding = () if self.joining is None else (self.joining,)
        leaving = () if self.action is RosterAction.ADD else (self.class_id,)
        return StudentChanges(None, None, None, UNSET, adding, leaving, self.at)


@dataclass(frozen=True, slots=True)
class EnrolledStudent:
    """A student as a backend read them under its lock, with their memberships (class → since when)."""

    student: Student
    joined: Mapping[UUID, datetime]


@dataclass(frozen=True, slots=True)
class RosterOutcome:
    """What a roster change did: one update per changed student, both lists in request order."""

    change: RosterChange
    updates: tuple[StudentUpdate, ...]
    unchanged_student_ids: tuple[UUID, ...]

    @property
    def changed_student_ids(self) -> tuple[UUID, ...]:
        return tuple(update.student.id for update in self.updates)


@dataclass(frozen=True, slots=True)
class RosterPlan:
    """The decided outcome and, for the backends, each changed student's edit to write."""

    outcome: RosterOutcome
    edits: tuple[StudentEdit, ...]


def roster_plan(
    change: RosterChange, owned_class_ids: Collection[UUID], found: Mapping[UUID, EnrolledStudent]
) -> RosterPlan:
    """Decide the change for the students ``found`` (the owner's among those named).

    RosterTargetsNotFoundError names every class not in ``owned_class_ids`` and every student not
    ``found``: then nothing may be written.
    """
    missing_classes = [class_id for class_id in change.class_ids if class_id not in owned_class_ids]
    missing_students = [student_id for student_id in change.student_ids if student_id not in found]
    if missing_classes or missing_students:
        raise RosterTargetsNotFoundError(missing_classes, missing_students)
    changes = change.student_changes()
    edits = [student_edit(found[i].student, found[i].joined, changes) for i in change.student_ids]
    changed = tuple(edit for edit in edits if edit.is_changed)
    unchanged = tuple(edit.student.id for edit in edits if not edit.is_changed)
    outcome = RosterOutcome(change, tuple(edit.outcome for edit in changed), unchanged)
    return RosterPlan(outcome, changed)
