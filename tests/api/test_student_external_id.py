"""A student's ``external_id`` through HTTP: on the resource, stored, in the events, unique per teacher."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import pytest

from tests.api.conftest import (
    SMOKE_ON_BOTH_BACKENDS,
    Api,
    Json,
    assert_envelope,
    assert_error,
    parse_timestamp,
    single_new_event,
)
from tests.conftest import unique_user

pytestmark = SMOKE_ON_BOTH_BACKENDS

STUDENTS = "/v1/classes/students"
CREATED = "huleedu.class.student.created.v1"
UPDATED = "huleedu.class.student.updated.v1"


def _student(external_id: object = None, **fields: object) -> Json:
    body: Json = {"person_name": {"first_name": "Ada", "last_name": "Lovelace"}, **fields}
    if external_id is not None:
        body["external_id"] = external_id
    return body


async def _stored_external_id(api: Api, student_id: str) -> str | None:
    [row] = await api.rows("SELECT external_id FROM students WHERE id = :id", id=UUID(student_id))
    value: str | None = row["external_id"]
    return value


async def test_create_strips_stores_shows_and_announces_the_external_id(api: Api) -> None:
    before = len(await api.outbox())

    response = await api.client.post(STUDENTS, json=_student("  SIS-0001 "), headers=api.headers())

    assert response.status_code == 201, await response.get_data(as_text=True)
    body = await response.get_json()
    assert body["external_id"] == "SIS-0001"
    assert await api.get_json(f"{STUDENTS}/{body['id']}") == body
    assert (await api.get_json(STUDENTS))["students"] == [body]
    assert await _stored_external_id(api, body["id"]) == "SIS-0001"
    data = assert_envelope(await single_new_event(api, before), CREATED)
    assert data["external_id"] == "SIS-0001"


async def test_create_without_an_external_id_shows_null(api: Api) -> None:
    before = len(await api.outbox())

    body = await api.create_student()

    assert body["external_id"] is None
    assert await _stored_external_id(api, body["id"]) is None
    assert assert_envelope(await single_new_event(api, before), CREATED)["external_id"] is None


@pytest.mark.parametrize("enrolled", [False, True], ids=["no-class", "in-a-class"])
async def test_duplicate_external_id_is_409_and_nothing_written_when_the_same_teacher_reuses_it(
    api: Api, enrolled: bool
) -> None:
    class_ids = [(await api.create_class("A"))["id"]] if enrolled else []
    await api.create_student(external_id="SIS-0001")
    before = await api.counts()

    response = await api.client.post(
        STUDENTS, json=_student("SIS-0001", class_ids=class_ids), headers=api.headers()
    )

    assert response.status_code == 409
    error = assert_error(await response.get_json(), "DUPLICATE_STUDENT_EXTERNAL_ID")
    assert error["details"] == {"field": "external_id"}
    assert await api.counts() == before


async def test_duplicate_external_id_is_409_under_an_idempotency_key_and_the_key_stays_free(api: Api) -> None:
    await api.create_student(external_id="SIS-0001")
    headers = api.headers(**{"Idempotency-Key": "import-ada"})

    first = await api.client.post(STUDENTS, json=_student("SIS-0001"), headers=headers)
    again = await api.client.post(STUDENTS, json=_student("SIS-0001"), headers=headers)

    assert (first.status_code, again.status_code) == (409, 409)
    assert_error(await again.get_json(), "DUPLICATE_STUDENT_EXTERNAL_ID")
    assert again.headers.get("Idempotent-Replayed") != "true"


async def test_another_teacher_may_use_the_same_external_id(api: Api) -> None:
    await api.create_student(external_id="SIS-0001")

    created = await api.create_student(user=unique_user(), external_id="SIS-0001")

    assert created["external_id"] == "SIS-0001"


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        pytest.param({"person_name": {"first_name": "Augusta"}}, "SIS-0001", id="omitted-keeps"),
        pytest.param({"external_id": None}, None, id="null-clears"),
        pytest.param({"external_id": " SIS-0002 "}, "SIS-0002", id="value-sets"),
    ],
)
async def test_update_keeps_clears_or_sets_the_external_id_and_announces_it(
    api: Api, update: dict[str, Any], expected: str | None
) -> None:
    created = await api.create_student(external_id="SIS-0001")
    before = len(await api.outbox())
    correlation_id = str(uuid.uuid4())

    response = await api.client.put(
        f"{STUDENTS}/{created['id']}",
        json=update,
        headers=api.headers(**{"X-Correlation-ID": correlation_id}),
    )

    assert response.status_code == 200, await response.get_data(as_text=True)
    body = await response.get_json()
    assert body["external_id"] == expected
    assert await api.get_json(f"{STUDENTS}/{created['id']}") == body
    assert await _stored_external_id(api, created["id"]) == expected
    data = assert_envelope(await single_new_event(api, before), UPDATED, correlation_id)
    assert data["external_id"] == expected
    assert parse_timestamp(data["timestamp"]) == parse_timestamp(body["updated_at"])


async def test_update_to_the_external_id_it_has_changes_nothing(api: Api) -> None:
    created = await api.create_student(external_id="SIS-0001")
    before = await api.counts()
    events = len(await api.outbox())

    response = await api.client.put(
        f"{STUDENTS}/{created['id']}", json={"external_id": "SIS-0001"}, headers=api.headers()
    )

    assert response.status_code == 200
    assert await response.get_json() == created
    assert await api.counts() == before
    assert len(await api.outbox()) == events


async def test_update_to_a_taken_external_id_is_409_and_nothing_changed(api: Api) -> None:
    await api.create_student(external_id="SIS-0001")
    other = await api.create_student(person_name={"first_name": "Grace", "last_name": "Hopper"})
    before = await api.counts()

    response = await api.client.put(
        f"{STUDENTS}/{other['id']}",
        json={"external_id": "SIS-0001", "person_name": {"first_name": "Amazing"}},
        headers=api.headers(),
    )

    assert response.status_code == 409
    assert_error(await response.get_json(), "DUPLICATE_STUDENT_EXTERNAL_ID")
    assert await api.counts() == before
    assert await api.get_json(f"{STUDENTS}/{other['id']}") == other


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("x" * 256, id="too-long"),
        pytest.param("SIS\x000001", id="nul"),
        pytest.param(1, id="number"),
        pytest.param(["SIS-0001"], id="list"),
    ],
)
async def test_an_invalid_external_id_is_a_400_naming_it_on_create_and_update(
    api: Api, value: object
) -> None:
    created = await api.create_student()
    before = await api.counts()

    posted = await api.client.post(STUDENTS, json=_student(value), headers=api.headers())
    put = await api.client.put(
        f"{STUDENTS}/{created['id']}", json={"external_id": value}, headers=api.headers()
    )

    for response in (posted, put):
        assert response.status_code == 400
        error = assert_error(await response.get_json(), "VALIDATION_ERROR")
        assert "external_id" in str(error["details"])
    assert await api.counts() == before


async def test_an_external_id_of_255_characters_is_accepted(api: Api) -> None:
    value = "x" * 255

    created = await api.create_student(external_id=f" {value} ")

    assert created["external_id"] == value
