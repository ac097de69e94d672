"""Strict, consistent input: unknown fields named in a 400, one length limit for names, codes in any case."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api, Json, assert_error, single_new_event
from tests.conftest import unique_user

pytestmark = pytest.mark.parametrize("backend", ["postgres", "sqlite", "memory"])

NAMES = {"first_name": "Ada", "last_name": "Lovelace"}


def _requests(class_id: str, student_id: str) -> list[tuple[str, str, Json, list[str]]]:
    """(method, path, body, loc of the unknown field) for every JSON body the API takes."""
    students = "/v1/classes/students"
    return [
        ("POST", "/v1/classes/", {"name": "9A", "course_codes": ["ENG5"], "nme": "typo"}, ["nme"]),
        ("PUT", f"/v1/classes/{class_id}", {"nme": "typo"}, ["nme"]),
        ("POST", students, {"person_name": NAMES, "firstName": "X"}, ["firstName"]),
        ("POST", students, {"person_name": {**NAMES, "firstName": "X"}}, ["person_name", "firstName"]),
        ("PUT", f"{students}/{student_id}", {"firstName": "X"}, ["firstName"]),
        ("PUT", f"{students}/{student_id}", {"person_name": {"lastname": "X"}}, ["person_name", "lastname"]),
        (
            "POST",
            "/v1/batches/batch-1/student-associations/confirm",
            {"associations": [{"essay_id": "e-1", "confirmed": False, "reason": "x"}]},
            ["associations", "0", "reason"],
        ),
        (
            "POST",
            "/v1/batches/batch-1/student-associations/confirm",
            {"associations": [{"essay_id": "e-1", "confirmed": False}], "confirmed_by": "x"},
            ["confirmed_by"],
        ),
    ]


@pytest.mark.parametrize("index", range(8))
async def test_an_unknown_field_is_a_400_naming_it_and_nothing_is_written(api: Api, index: int) -> None:
    school_class = await api.create_class()
    student = await api.create_student(class_ids=[school_class["id"]])
    method, path, body, loc = _requests(school_class["id"], student["id"])[index]
    before = await api.counts()

    response = await api.client.open(path, method=method, json=body, headers=api.headers())

    assert response.status_code == 400
    error = assert_error(await response.get_json(), "VALIDATION_ERROR")
    assert loc[-1] in error["message"]
    errors = error["details"]["errors"]
    assert {
        "loc": ["body", *loc],
        "msg": "Extra inputs are not permitted",
        "type": "extra_forbidden",
    } in errors
    assert await api.counts() == before
    assert await api.get_json(f"/v1/classes/students/{student['id']}") == student


async def test_names_sent_have_one_limit_of_255_characters(api: Api) -> None:
    longest, too_long = "L" * 255, "L" * 256
    created = await api.create_student(person_name={**NAMES, "legal_full_name": longest})
    assert created["legal_full_name"] == longest
    before = await api.counts()
    path = f"/v1/classes/students/{created['id']}"

    for field in ("first_name", "last_name", "legal_full_name"):
        post = await api.client.post(
            "/v1/classes/students", json={"person_name": {**NAMES, field: too_long}}, headers=api.headers()
        )
        put = await api.client.put(path, json={"person_name": {field: too_long}}, headers=api.headers())
        for response in (post, put):
            assert response.status_code == 400
            error = assert_error(await response.get_json(), "VALIDATION_ERROR")
            assert [e["loc"] for e in error["details"]["errors"]] == [["body", "person_name", field]]
    assert await api.counts() == before


async def test_a_default_legal_name_may_be_longer_than_a_name_sent(api: Api) -> None:
    created = await api.create_student(person_name={"first_name": "F" * 255, "last_name": "L" * 255})

    assert created["legal_full_name"] == f"{'F' * 255} {'L' * 255}"


async def test_course_codes_are_case_insensitive_on_create_and_update(api: Api) -> None:
    response = await api.client.post(
        "/v1/classes/", json={"name": "9A", "course_codes": ["eng5"]}, headers=api.headers()
    )
    assert response.status_code == 201
    created = await response.get_json()
    assert (created["course_code"], created["course"]["code"]) == ("ENG5", "ENG5")
    path = f"/v1/classes/{created['id']}"
    before = len(await api.outbox())

    same = await api.client.put(path, json={"course_codes": ["Eng5"]}, headers=api.headers())
    assert (same.status_code, await same.get_json()) == (200, created)
    assert len(await api.outbox()) == before

    moved = await api.client.put(path, json={"course_codes": ["sv1"]}, headers=api.headers())
    assert moved.status_code == 200
    assert (await moved.get_json())["course"] == {"code": "SV1", "name": "Svenska 1", "language": "sv"}
    data = (await single_new_event(api, before)).envelope["data"]
    assert data["course_codes"] == ["SV1"]


async def test_a_foreign_or_unknown_class_to_remove_is_a_404_naming_it_and_nothing_is_written(
    api: Api,
) -> None:
    joined = await api.create_class()
    foreign = await api.create_class(user=unique_user())
    unknown = "5b0c3a8e-7f9d-4e21-9a55-0d6c2f1e8b47"
    student = await api.create_student(class_ids=[joined["id"]])
    before = await api.counts()
    body: dict[str, Any] = {
        "person_name": {"first_name": "Grace"},
        "remove_class_ids": [joined["id"], foreign["id"], unknown],
    }

    response = await api.client.put(f"/v1/classes/students/{student['id']}", json=body, headers=api.headers())

    assert response.status_code == 404
    error = assert_error(await response.get_json(), "CLASS_NOT_FOUND")
    assert error["details"] == {"class_ids": [foreign["id"], unknown]}
    assert await api.counts() == before
    assert await api.get_json(f"/v1/classes/students/{student['id']}") == student
