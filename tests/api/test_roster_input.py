"""Class-side enrolment's strict input, its limits, and retries with an ``Idempotency-Key``."""

from __future__ import annotations

import uuid

import pytest

from class_management_service.domain.roster import MAX_ROSTER_STUDENTS
from tests.api.conftest import Api, Json, assert_error


def _path(class_id: str, suffix: str = "") -> str:
    return f"/v1/classes/{class_id}/students{suffix}"


@pytest.mark.parametrize(
    ("method", "suffix", "body", "field"),
    [
        ("POST", "", {"student_ids": []}, "student_ids"),
        ("DELETE", "", {"student_ids": []}, "student_ids"),
        ("POST", "", {"student_ids": [str(uuid.uuid4())] * (MAX_ROSTER_STUDENTS + 1)}, "student_ids"),
        ("POST", "", {"student_ids": ["not-a-uuid"]}, "student_ids"),
        ("POST", "", {"student_ids": [str(uuid.uuid4())], "class_id": str(uuid.uuid4())}, "class_id"),
        ("DELETE", "", {}, "student_ids"),
        ("POST", "/move", {"student_ids": [str(uuid.uuid4())]}, "to_class_id"),
        ("POST", "/move", {"student_ids": [str(uuid.uuid4())], "to_class_id": "7B"}, "to_class_id"),
    ],
)
async def test_a_body_outside_the_contract_is_a_400_naming_the_field(
    api: Api, method: str, suffix: str, body: Json, field: str
) -> None:
    school_class = await api.create_class()
    before = await api.counts()

    response = await api.client.open(
        _path(school_class["id"], suffix), method=method, json=body, headers=api.headers()
    )

    assert response.status_code == 400
    error = assert_error(await response.get_json(), "VALIDATION_ERROR")
    assert field in [item["loc"][1] for item in error["details"]["errors"]]
    assert await api.counts() == before


async def test_a_thousand_repeated_ids_are_accepted_and_count_once(api: Api) -> None:
    school_class = await api.create_class()
    student = await api.create_student()

    response = await api.client.post(
        _path(school_class["id"]),
        json={"student_ids": [student["id"]] * MAX_ROSTER_STUDENTS},
        headers=api.headers(),
    )

    assert response.status_code == 200
    assert (await response.get_json())["changed_student_ids"] == [student["id"]]


async def test_a_move_to_the_class_itself_is_a_400_and_writes_nothing(api: Api) -> None:
    school_class = await api.create_class()
    student = await api.create_student(class_ids=[school_class["id"]])
    before = await api.counts()

    response = await api.client.post(
        _path(school_class["id"], "/move"),
        json={"student_ids": [student["id"]], "to_class_id": school_class["id"]},
        headers=api.headers(),
    )

    assert response.status_code == 400
    error = assert_error(await response.get_json(), "VALIDATION_ERROR")
    assert error["details"]["errors"][0]["loc"] == ["body", "to_class_id"]
    assert await api.counts() == before


async def test_a_malformed_class_id_in_the_path_is_a_400_and_a_missing_identity_a_401(api: Api) -> None:
    body = {"student_ids": [str(uuid.uuid4())]}
    malformed = await api.client.post(_path("not-a-uuid"), json=body, headers=api.headers())
    anonymous = await api.client.post(_path(str(uuid.uuid4())), json=body)

    assert malformed.status_code == 400
    assert anonymous.status_code == 401


@pytest.mark.parametrize("suffix", ["", "/move"])
async def test_a_retry_with_the_same_key_replays_the_first_response_and_writes_nothing(
    api: Api, suffix: str
) -> None:
    source, target = await api.create_class("7A"), await api.create_class("7B")
    student = await api.create_student(class_ids=[source["id"]] if suffix else [])
    body: Json = {"student_ids": [student["id"]]} | ({"to_class_id": target["id"]} if suffix else {})
    headers = api.headers(**{"Idempotency-Key": str(uuid.uuid4())})

    first = await api.client.post(_path(source["id"], suffix), json=body, headers=headers)
    events = len(await api.outbox())
    again = await api.client.post(_path(source["id"], suffix), json=body, headers=headers)

    assert first.status_code == again.status_code == 200
    assert await first.get_json() == await again.get_json()
    assert (await again.get_json())["changed_student_ids"] == [student["id"]]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(await api.outbox()) == events
