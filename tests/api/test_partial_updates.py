"""PUT through HTTP: names sent alone lose nothing, and a PUT that changes nothing writes nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

from tests.api.conftest import Api, Json, assert_error, single_new_event

pytestmark = pytest.mark.parametrize("backend", ["postgres", "sqlite", "memory"])

LEGAL = "Robert James Smith"


async def _put(api: Api, path: str, body: Json, status: int = 200) -> Json:
    response = await api.client.put(path, json=body, headers=api.headers())
    assert response.status_code == status, await response.get_data(as_text=True)
    reply: Json = await response.get_json()
    return reply


async def test_each_name_may_be_sent_alone_and_an_explicit_legal_name_survives(api: Api) -> None:
    student = await api.create_student(
        person_name={"first_name": "Robert", "last_name": "Smith", "legal_full_name": LEGAL}
    )
    path = f"/v1/classes/students/{student['id']}"

    renamed = await _put(api, path, {"person_name": {"first_name": "Bobby"}})
    relast = await _put(api, path, {"person_name": {"last_name": "Smythe"}})

    assert (renamed["first_name"], renamed["last_name"], renamed["legal_full_name"]) == (
        "Bobby",
        "Smith",
        LEGAL,
    )
    assert (relast["full_name"], relast["legal_full_name"]) == ("Bobby Smythe", LEGAL)
    assert await api.get_json(path) == relast


async def test_a_default_legal_name_follows_the_name(api: Api) -> None:
    student = await api.create_student(person_name={"first_name": "Ada", "last_name": "Lovelace"})
    path = f"/v1/classes/students/{student['id']}"

    renamed = await _put(api, path, {"person_name": {"last_name": "Byron"}})
    legal_only = await _put(api, path, {"person_name": {"legal_full_name": "Augusta Ada Byron"}})

    assert renamed["legal_full_name"] == "Ada Byron"
    assert (legal_only["full_name"], legal_only["legal_full_name"]) == ("Ada Byron", "Augusta Ada Byron")


async def test_a_rename_leaving_no_name_is_a_400_and_nothing_is_written(api: Api) -> None:
    student = await api.create_student(person_name={"first_name": "", "last_name": "Lovelace"})
    before = await api.counts()

    reply = await _put(api, f"/v1/classes/students/{student['id']}", {"person_name": {"last_name": ""}}, 400)

    error = assert_error(reply, "VALIDATION_ERROR")
    assert [e["loc"] for e in error["details"]["errors"]] == [["body", "person_name"]]
    assert await api.counts() == before


def _same_student_bodies(student: Json, other_class_id: str) -> list[dict[str, Any]]:
    return [
        {},
        {"person_name": {}},
        {"person_name": {"first_name": student["first_name"], "last_name": student["last_name"]}},
        {"email": student["email"]},
        {"remove_class_ids": [other_class_id]},
        {"add_class_ids": student["class_ids"]},
    ]


async def _row_versions(api: Api, backend: str, table: str, row_id: str) -> list[Json]:
    """PostgreSQL's ``xmin`` of the row: it changes with every UPDATE, even one writing equal values."""
    if backend != "postgres":
        return []  # SQLite keeps no row versions; the memory store has no rows
    return await api.rows(f"SELECT xmin::text AS version FROM {table} WHERE id = :id", id=UUID(row_id))


@pytest.mark.parametrize("index", range(6))
async def test_a_student_put_that_changes_nothing_writes_nothing(api: Api, backend: str, index: int) -> None:
    joined, other = await api.create_class(), await api.create_class()
    student = await api.create_student(email="ada@example.com", class_ids=[joined["id"]])
    before = await api.counts()
    version = await _row_versions(api, backend, "students", student["id"])
    body = _same_student_bodies(student, other["id"])[index]

    reply = await _put(api, f"/v1/classes/students/{student['id']}", body)

    assert reply == student
    assert await api.counts() == before
    assert await _row_versions(api, backend, "students", student["id"]) == version
    assert await api.get_json(f"/v1/classes/students/{student['id']}") == student


@pytest.mark.parametrize("body", [{}, {"name": "9A English"}, {"course_codes": ["ENG5"]}])
async def test_a_class_put_that_changes_nothing_writes_nothing(api: Api, backend: str, body: Json) -> None:
    school_class = await api.create_class(name="9A English", course="ENG5")
    before = await api.counts()
    version = await _row_versions(api, backend, "classes", school_class["id"])

    reply = await _put(api, f"/v1/classes/{school_class['id']}", body)

    assert reply == school_class
    assert await api.counts() == before
    assert await _row_versions(api, backend, "classes", school_class["id"]) == version


async def test_a_put_that_changes_something_writes_one_event(api: Api) -> None:
    student = await api.create_student(email="ada@example.com")
    before = len(await api.outbox())

    reply = await _put(api, f"/v1/classes/students/{student['id']}", {"email": None})

    assert reply["updated_at"] > student["updated_at"]
    assert (await single_new_event(api, before)).topic == "huleedu.class.student.updated.v1"
