"""``student_edit``: the optional fields (email, external id) kept when omitted, cleared by None, set by a
value; only a real difference is a change."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from class_management_service.domain.models import UNSET, Student, StudentChanges, Unset
from class_management_service.domain.updates import student_edit

CREATED_AT = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)
AT = CREATED_AT + timedelta(days=1)
CURRENT = Student(
    id=uuid.UUID("00000000-0000-4000-8000-00000000000a"),
    first_name="Ada",
    last_name="Lovelace",
    legal_full_name="Ada Lovelace",
    email="ada@example.com",
    class_ids=(),
    created_by_user_id="teacher-1",
    created_at=CREATED_AT,
    updated_at=CREATED_AT,
    external_id="SIS-0001",
)


def _changes(*, email: str | Unset | None = UNSET, external_id: str | Unset | None = UNSET) -> StudentChanges:
    return StudentChanges(None, None, None, email, (), (), AT, external_id=external_id)


@pytest.mark.parametrize(
    ("sent", "expected", "is_changed"),
    [
        pytest.param(UNSET, "SIS-0001", False, id="omitted-keeps"),
        pytest.param("SIS-0001", "SIS-0001", False, id="same-value-is-no-change"),
        pytest.param(None, None, True, id="none-clears"),
        pytest.param("SIS-0002", "SIS-0002", True, id="value-sets"),
        pytest.param("sis-0001", "sis-0001", True, id="compared-exactly"),
    ],
)
def test_external_id_is_kept_cleared_or_set_and_counts_as_a_change_only_when_it_differs(
    sent: str | Unset | None, expected: str | None, is_changed: bool
) -> None:
    edit = student_edit(CURRENT, {}, _changes(external_id=sent))

    assert edit.student.external_id == expected
    assert edit.is_changed is is_changed
    assert edit.student.updated_at == (AT if is_changed else CREATED_AT)
    assert edit.student.email == CURRENT.email


def test_an_email_change_keeps_the_external_id() -> None:
    edit = student_edit(CURRENT, {}, _changes(email=None))

    assert (edit.student.email, edit.student.external_id) == (None, "SIS-0001")
    assert edit.is_changed


def test_setting_an_external_id_where_there_was_none_is_a_change() -> None:
    current = replace(CURRENT, external_id=None)

    edit = student_edit(current, {}, _changes(external_id="SIS-0001"))

    assert edit.student.external_id == "SIS-0001"
    assert edit.is_changed
