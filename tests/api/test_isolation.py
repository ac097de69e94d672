"""Ownership: another teacher's class or student is indistinguishable from a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.api.conftest import Api, Json, assert_error
from tests.conftest import unique_user


@dataclass(frozen=True)
class Teachers:
    """Teacher A's class and enrolled student, teacher B's own class and student."""

    a_class: Json
    a_student: Json
    b: str
    b_class: Json
    b_student: Json


async def _views_of_a(api: Api, data: Teachers) -> list[Json]:
    """Everything A can see about their own data, as full response bodies."""
    return [
        await api.get_json(f"/v1/classes/{data.a_class['id']}"),
        await api.get_json(f"/v1/classes/students/{data.a_student['id']}"),
        await api.get_json(f"/v1/classes/{data.a_class['id']}/roster"),
        await api.get_json("/v1/classes/"),
        await api.get_json("/v1/classes/students"),
        await api.get_json(f"/v1/classes/students?class_id={data.a_class['id']}"),
    ]


@pytest.fixture
async def teachers(api: Api) -> Teachers:
    a_class = await api.create_class("A's class")
    a_student = await api.create_student(email="a.student@example.com", class_ids=[a_class["id"]])
    b = unique_user()
    b_class = await api.create_class("B's class", user=b)
    b_student = await api.create_student(user=b, email="b.student@example.com", class_ids=[b_class["id"]])
    return Teachers(a_class, a_student, b, b_class, b_student)


def _requests(data: Teachers) -> list[Any]:
    a_class, a_student = data.a_class["id"], data.a_student["id"]
    return [
        ("GET", f"/v1/classes/{a_class}", None, "CLASS_NOT_FOUND"),
        ("PUT", f"/v1/classes/{a_class}", {"name": "Taken over"}, "CLASS_NOT_FOUND"),
        ("PUT", f"/v1/classes/{a_class}", {"course_codes": ["SV1"]}, "CLASS_NOT_FOUND"),
        ("DELETE", f"/v1/classes/{a_class}", None, "CLASS_NOT_FOUND"),
        ("GET", f"/v1/classes/{a_class}/roster", None, "CLASS_NOT_FOUND"),
        ("GET", f"/v1/classes/students?class_id={a_class}", None, "CLASS_NOT_FOUND"),
        ("GET", f"/v1/classes/students/{a_student}", None, "STUDENT_NOT_FOUND"),
        ("PUT", f"/v1/classes/students/{a_student}", {"email": None}, "STUDENT_NOT_FOUND"),
        (
            "PUT",
            f"/v1/classes/students/{a_student}",
            {"person_name": {"first_name": "X", "last_name": "Y"}},
            "STUDENT_NOT_FOUND",
        ),
        ("DELETE", f"/v1/classes/students/{a_student}", None, "STUDENT_NOT_FOUND"),
        (
            "POST",
            "/v1/classes/students",
            {"person_name": {"first_name": "Eve", "last_name": "B"}, "class_ids": [a_class]},
            "CLASS_NOT_FOUND",
        ),
        (
            "PUT",
            f"/v1/classes/students/{data.b_student['id']}",
            {"add_class_ids": [a_class]},
            "CLASS_NOT_FOUND",
        ),
        (
            "PUT",
            f"/v1/classes/students/{data.b_student['id']}",
            {"add_class_ids": [data.b_class["id"], a_class], "email": "changed@example.com"},
            "CLASS_NOT_FOUND",
        ),
    ]


async def test_other_teacher_gets_404_and_changes_nothing_when_touching_foreign_data(
    api: Api, teachers: Teachers
) -> None:
    before_views = await _views_of_a(api, teachers)
    b_student_before = await api.get_json(f"/v1/classes/students/{teachers.b_student['id']}", user=teachers.b)
    before_counts = await api.counts()

    for method, path, body, code in _requests(teachers):
        kwargs: dict[str, Any] = {"method": method, "headers": api.headers(teachers.b)}
        if body is not None:
            kwargs["json"] = body
        response = await api.client.open(path, **kwargs)

        assert response.status_code == 404, (method, path, await response.get_data(as_text=True))
        error = assert_error(await response.get_json(), code)
        if code == "CLASS_NOT_FOUND":
            assert teachers.a_class["id"] in error["message"]

    assert await api.counts() == before_counts
    assert await _views_of_a(api, teachers) == before_views
    b_student_after = await api.get_json(f"/v1/classes/students/{teachers.b_student['id']}", user=teachers.b)
    assert b_student_after == b_student_before


async def test_foreign_and_missing_ids_answer_alike_when_other_teacher_asks(
    api: Api, teachers: Teachers
) -> None:
    missing = "00000000-0000-4000-8000-000000000000"

    foreign = await api.client.get(f"/v1/classes/{teachers.a_class['id']}", headers=api.headers(teachers.b))
    absent = await api.client.get(f"/v1/classes/{missing}", headers=api.headers(teachers.b))

    foreign_error = assert_error(await foreign.get_json(), "CLASS_NOT_FOUND")
    absent_error = assert_error(await absent.get_json(), "CLASS_NOT_FOUND")
    assert foreign.status_code == absent.status_code == 404
    assert foreign_error["message"].replace(teachers.a_class["id"], missing) == absent_error["message"]


async def test_lists_show_only_own_items_when_two_teachers_have_data(api: Api, teachers: Teachers) -> None:
    a_classes = await api.get_json("/v1/classes/")
    b_classes = await api.get_json("/v1/classes/", user=teachers.b)
    a_students = await api.get_json("/v1/classes/students?q=student")
    b_students = await api.get_json("/v1/classes/students?q=student", user=teachers.b)

    assert [c["id"] for c in a_classes["classes"]] == [teachers.a_class["id"]]
    assert [c["id"] for c in b_classes["classes"]] == [teachers.b_class["id"]]
    assert a_classes["pagination"]["total"] == b_classes["pagination"]["total"] == 1
    assert [s["id"] for s in a_students["students"]] == [teachers.a_student["id"]]
    assert [s["id"] for s in b_students["students"]] == [teachers.b_student["id"]]
    assert a_students["pagination"]["total"] == b_students["pagination"]["total"] == 1


async def test_list_is_empty_when_teacher_has_nothing_but_others_do(api: Api, teachers: Teachers) -> None:
    stranger = unique_user()

    classes = await api.get_json("/v1/classes/", user=stranger)
    students = await api.get_json("/v1/classes/students", user=stranger)

    assert classes["classes"] == []
    assert students["students"] == []
    assert classes["pagination"]["total"] == students["pagination"]["total"] == 0
