"""Domain rules and errors that need no I/O: one course per class, id sets, names, error payloads."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from class_management_service.api.errors import AuthenticationError, RequestValidationError
from class_management_service.domain.errors import (
    ClassManagementError,
    ClassNotFoundError,
    CourseNotFoundError,
    DuplicateStudentEmailError,
    MultipleCourseError,
    RepositoryUnavailableError,
    StudentNotFoundError,
)
from class_management_service.domain.models import (
    UNSET,
    PageRequest,
    Student,
)
from class_management_service.domain.rules import full_name_of, single_course_code, unique_ids

CLASS_A = uuid.UUID("00000000-0000-4000-8000-00000000000a")
CLASS_B = uuid.UUID("00000000-0000-4000-8000-00000000000b")
CLASS_C = uuid.UUID("00000000-0000-4000-8000-00000000000c")


def test_single_course_code_returns_the_only_code() -> None:
    assert single_course_code(["ENG5"]) == "ENG5"


def test_single_course_code_raises_multiple_course_error_naming_every_code_when_given_two() -> None:
    with pytest.raises(MultipleCourseError) as raised:
        single_course_code(["ENG5", "SV1"])

    assert raised.value.code == "MULTIPLE_COURSE_ERROR"
    assert raised.value.details == {"provided_course_codes": ["ENG5", "SV1"]}
    assert "ENG5, SV1" in raised.value.message


def test_unique_ids_drops_repeats_and_keeps_first_seen_order() -> None:
    assert unique_ids([CLASS_B, CLASS_A, CLASS_B, CLASS_C, CLASS_A]) == (CLASS_B, CLASS_A, CLASS_C)


def test_unique_ids_of_nothing_is_empty() -> None:
    assert unique_ids([]) == ()


@pytest.mark.parametrize(
    ("first_name", "last_name", "expected"),
    [("Ada", "Lovelace", "Ada Lovelace"), ("", "Lovelace", "Lovelace"), ("Ada", "", "Ada")],
)
def test_full_name_of_joins_first_and_last_without_stray_spaces(
    first_name: str, last_name: str, expected: str
) -> None:
    assert full_name_of(first_name, last_name) == expected


def test_student_full_name_is_first_then_last_name_not_the_legal_name() -> None:
    at = datetime(2025, 1, 1, tzinfo=UTC)
    student = Student(uuid.uuid4(), "Ada", "Lovelace", "Augusta Ada King", None, (), "t", at, at)

    assert student.full_name == "Ada Lovelace"


def test_unset_is_distinct_from_none() -> None:
    assert UNSET is not None
    assert UNSET != None  # noqa: E711 - the point is that UNSET never compares equal to None


def test_page_request_defaults_to_the_first_twenty_newest() -> None:
    assert PageRequest() == PageRequest(limit=20, offset=0, after=None)


def test_course_not_found_error_names_the_code_under_both_legacy_keys() -> None:
    error = CourseNotFoundError("MATH1")

    assert error.code == "COURSE_NOT_FOUND"
    assert error.details == {"course_id": "MATH1", "missing_course_codes": ["MATH1"]}
    assert error.message == "Course with code 'MATH1' not found"


def test_class_not_found_error_names_one_class() -> None:
    error = ClassNotFoundError([CLASS_A])

    assert error.code == "CLASS_NOT_FOUND"
    assert error.details == {"class_ids": [str(CLASS_A)]}
    assert error.message == f"Class not found: {CLASS_A}"


def test_class_not_found_error_names_several_classes_in_order() -> None:
    error = ClassNotFoundError([CLASS_B, CLASS_A])

    assert error.details == {"class_ids": [str(CLASS_B), str(CLASS_A)]}
    assert error.message == f"Classes not found: {CLASS_B}, {CLASS_A}"


def test_student_not_found_error_names_the_student() -> None:
    error = StudentNotFoundError(CLASS_C)

    assert error.code == "STUDENT_NOT_FOUND"
    assert error.details == {"student_id": str(CLASS_C)}


def test_duplicate_student_email_error_keeps_the_address_out_of_message_and_details() -> None:
    error = DuplicateStudentEmailError()

    assert error.code == "DUPLICATE_STUDENT_EMAIL"
    assert error.details == {"field": "email"}
    assert "@" not in error.message


def test_repository_unavailable_error_maps_to_service_unavailable() -> None:
    error = RepositoryUnavailableError()

    assert error.code == "SERVICE_UNAVAILABLE"
    assert error.details == {}


def test_request_validation_error_carries_the_field_errors() -> None:
    errors: list[dict[str, object]] = [{"loc": ["path", "class_id"], "msg": "not a UUID"}]

    error = RequestValidationError("class_id is invalid", errors)

    assert error.code == "VALIDATION_ERROR"
    assert error.details == {"errors": errors}


def test_authentication_error_has_its_code_and_no_details() -> None:
    error = AuthenticationError("send X-User-ID")

    assert (error.code, error.message, error.details) == ("AUTHENTICATION_ERROR", "send X-User-ID", {})


@pytest.mark.parametrize(
    "error",
    [
        MultipleCourseError(["ENG5", "SV1"]),
        CourseNotFoundError("X"),
        ClassNotFoundError([CLASS_A]),
        StudentNotFoundError(CLASS_A),
        DuplicateStudentEmailError(),
        RepositoryUnavailableError(),
        AuthenticationError("no"),
        RequestValidationError("bad", []),
    ],
)
def test_every_domain_error_is_a_class_management_error_whose_str_is_its_message(
    error: ClassManagementError,
) -> None:
    assert isinstance(error, ClassManagementError)
    assert str(error) == error.message
    assert error.code != ClassManagementError.code
