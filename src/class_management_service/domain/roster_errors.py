"""Errors of class-side enrolment: every unknown id named at once, and a move to the class itself."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from class_management_service.domain.errors import ClassManagementError


class RosterTargetsNotFoundError(ClassManagementError):
    """Some classes or students of a roster change are unknown or another teacher's; nothing changed.

    The code follows the single-resource errors: ``CLASS_NOT_FOUND`` when any class is missing,
    else ``STUDENT_NOT_FOUND``. The details always carry both lists, each in request order.
    """

    def __init__(self, class_ids: Sequence[UUID], student_ids: Sequence[UUID]) -> None:
        classes = [str(class_id) for class_id in class_ids]
        students = [str(student_id) for student_id in student_ids]
        self.code = "CLASS_NOT_FOUND" if classes else "STUDENT_NOT_FOUND"
        named = [(noun, ids) for noun, ids in (("classes", classes), ("students", students)) if ids]
        message = "Not found: " + "; ".join(f"{noun} {', '.join(ids)}" for noun, ids in named)
        super().__init__(message, {"class_ids": classes, "student_ids": students})


class SameClassMoveError(ClassManagementError):
    """A move whose target is the class the students are moved from."""

    code = "VALIDATION_ERROR"

    def __init__(self) -> None:
        message = "to_class_id must differ from the class the students are moved from"
        error = {"loc": ["body", "to_class_id"], "msg": message, "type": "value_error"}
        super().__init__(f"Request validation failed: {message}", {"errors": [error]})
