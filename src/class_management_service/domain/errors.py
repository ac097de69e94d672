"""Domain errors: raised by services and repositories, mapped to HTTP by the API layer."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID


class ClassManagementError(Exception):
    """Root of every error the service raises on purpose; carries a stable code and details."""

    code = "CLASS_MANAGEMENT_ERROR"

    def __init__(self, message: str, details: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, object] = details or {}


class MultipleCourseError(ClassManagementError):
    """A class binds exactly one course; more than one code was given."""

    code = "MULTIPLE_COURSE_ERROR"

    def __init__(self, course_codes: Sequence[str]) -> None:
        codes = list(course_codes)
        super().__init__(
            f"Multiple courses provided ({', '.join(codes)}), but only one course per class is supported",
            {"provided_course_codes": codes},
        )


class CourseNotFoundError(ClassManagementError):
    """The course code is not in the reference table."""

    code = "COURSE_NOT_FOUND"

    def __init__(self, course_code: str) -> None:
        super().__init__(
            f"Course with code '{course_code}' not found",
            {"course_id": course_code, "missing_course_codes": [course_code]},
        )


class ClassNotFoundError(ClassManagementError):
    """The class does not exist or belongs to another teacher (indistinguishable on purpose)."""

    code = "CLASS_NOT_FOUND"

    def __init__(self, class_ids: Sequence[UUID]) -> None:
        ids = [str(class_id) for class_id in class_ids]
        noun = "Class" if len(ids) == 1 else "Classes"
        super().__init__(f"{noun} not found: {', '.join(ids)}", {"class_ids": ids})


class StudentNotFoundError(ClassManagementError):
    """The student does not exist or belongs to another teacher."""

    code = "STUDENT_NOT_FOUND"

    def __init__(self, student_id: UUID) -> None:
        super().__init__(f"Student not found: {student_id}", {"student_id": str(student_id)})


class DuplicateStudentEmailError(ClassManagementError):
    """The teacher already has a student with this email (compared case-insensitively)."""

    code = "DUPLICATE_STUDENT_EMAIL"

    def __init__(self) -> None:
        # The address itself stays out of the message: it is personal data and ends up in logs.
        super().__init__("A student with this email already exists for this teacher", {"field": "email"})


class RepositoryUnavailableError(ClassManagementError):
    """The database could not be reached; the request changed nothing and may be retried."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__("The database is temporarily unavailable; retry shortly")
