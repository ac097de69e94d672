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


class DuplicateStudentExternalIdError(ClassManagementError):
    """The teacher already has a student with this external (school information system) id."""

    code = "DUPLICATE_STUDENT_EXTERNAL_ID"

    def __init__(self) -> None:
        message = "A student with this external_id already exists for this teacher"
        super().__init__(message, {"field": "external_id"})


class RepositoryUnavailableError(ClassManagementError):
    """The database could not be reached; the request changed nothing and may be retried."""

    code = "SERVICE_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__("The database is temporarily unavailable; retry shortly")


class BatchNotFoundError(ClassManagementError):
    """No suggestions were stored for this batch, or its class belongs to another teacher."""

    code = "BATCH_NOT_FOUND"

    def __init__(self, batch_id: str) -> None:
        super().__init__(f"Batch not found: {batch_id}", {"batch_id": batch_id})


class EssayNotFoundError(ClassManagementError):
    """The essays are not part of the batch (or of any batch, for the internal lookup)."""

    code = "ESSAY_NOT_FOUND"

    def __init__(self, essay_ids: Sequence[str]) -> None:
        ids = list(essay_ids)
        super().__init__(f"Essay association not found: {', '.join(ids)}", {"essay_ids": ids})


class StudentNotInClassError(ClassManagementError):
    """A decision names a student who is not in the batch's class (or not the teacher's)."""

    code = "STUDENT_NOT_FOUND"

    def __init__(self, student_ids: Sequence[UUID]) -> None:
        ids = [str(student_id) for student_id in student_ids]
        super().__init__(f"Not a student of the batch's class: {', '.join(ids)}", {"student_ids": ids})


class AssociationConflictError(ClassManagementError):
    """A decision would change an essay that was already decided otherwise."""

    code = "ASSOCIATION_ALREADY_DECIDED"

    def __init__(self, essay_ids: Sequence[str]) -> None:
        ids = list(essay_ids)
        super().__init__(f"Essays already decided otherwise: {', '.join(ids)}", {"essay_ids": ids})


class PendingValidationsError(ClassManagementError):
    """A delete would destroy essay associations that still await the teacher's decision."""

    code = "PENDING_VALIDATIONS"

    def __init__(self, batch_ids: Sequence[str]) -> None:
        ids = sorted(set(batch_ids))
        super().__init__(
            f"Pending essay validations in batches {', '.join(ids)}: decide them, or delete with ?force=true",
            {"batch_ids": ids},
        )


class IdempotencyKeyReusedError(ClassManagementError):
    """An ``Idempotency-Key`` already used for a different request (another body or route)."""

    code = "IDEMPOTENCY_KEY_REUSED"

    def __init__(self, key: str) -> None:
        super().__init__(
            "This Idempotency-Key was used for a different request; send a new key", {"idempotency_key": key}
        )


class IdempotencyKeyInFlightError(ClassManagementError):
    """A request with this ``Idempotency-Key`` is still being processed (or lost its claim)."""

    code = "IDEMPOTENCY_KEY_IN_FLIGHT"

    def __init__(self, key: str) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still in progress; retry later", {"idempotency_key": key}
        )


class PreconditionFailedError(ClassManagementError):
    """``If-Match`` named a version of the resource that is no longer current."""

    code = "PRECONDITION_FAILED"

    def __init__(self, resource_id: UUID) -> None:
        super().__init__(
            "The resource changed since the version in If-Match; read it again",
            {"resource_id": str(resource_id)},
        )


class EmptyNameError(ClassManagementError):
    """An update would leave a student with neither a first nor a last name."""

    code = "VALIDATION_ERROR"

    def __init__(self) -> None:
        message = "first_name and last_name cannot both be empty"
        error = {"loc": ["body", "person_name"], "msg": message, "type": "value_error"}
        super().__init__(f"Request validation failed: {message}", {"errors": [error]})
