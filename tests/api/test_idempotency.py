"""``Idempotency-Key`` on the POSTs that write: retries replay, other bodies are refused, on every backend."""

from __future__ import annotations

import asyncio
import uuid

from tests.api.conftest import Api, Json, assert_error
from tests.api.matching import MATCHING_BACKENDS, Candidate, confirm_path, decision, seed_batch

pytestmark = MATCHING_BACKENDS

CLASS_BODY: Json = {"name": "9A English", "course_codes": ["ENG5"]}


def _keyed(api: Api, key: str, user: str | None = None) -> dict[str, str]:
    return api.headers(user, **{"Idempotency-Key": key})


async def _post(api: Api, path: str, body: Json, key: str, user: str | None = None) -> tuple[int, Json, bool]:
    response = await api.client.post(path, json=body, headers=_keyed(api, key, user))
    replayed = response.headers.get("Idempotent-Replayed") == "true"
    return response.status_code, await response.get_json(), replayed


async def test_retry_replays_the_first_response_when_the_key_and_body_repeat(api: Api) -> None:
    key = str(uuid.uuid4())
    first = await _post(api, "/v1/classes/", CLASS_BODY, key)
    events = len(await api.outbox())

    again = await _post(api, "/v1/classes/", {"course_codes": ["ENG5"], "name": "9A English"}, key)

    assert first[:2] == again[:2]
    assert first[0] == 201
    assert (first[2], again[2]) == (False, True)
    assert len(await api.outbox()) == events  # nothing written, nothing to publish
    listed = await api.get_json("/v1/classes/")
    assert [c["id"] for c in listed["classes"]] == [first[1]["id"]]


async def test_retry_of_a_student_create_replays_it_when_the_key_repeats(api: Api) -> None:
    body: Json = {"person_name": {"first_name": "Ada", "last_name": "Lovelace"}, "email": "ada@example.com"}
    first = await _post(api, "/v1/classes/students", body, "student-1")
    again = await _post(api, "/v1/classes/students", body, "student-1")

    assert first[0] == again[0] == 201
    assert again[1] == first[1]
    assert again[2]


async def test_key_is_refused_with_422_when_the_body_differs(api: Api) -> None:
    await _post(api, "/v1/classes/", CLASS_BODY, "k-1")
    events = len(await api.outbox())

    status, body, _ = await _post(api, "/v1/classes/", {**CLASS_BODY, "name": "9B"}, "k-1")

    assert status == 422
    assert_error(body, "IDEMPOTENCY_KEY_REUSED")
    assert len(await api.outbox()) == events


async def test_key_is_refused_with_422_when_reused_on_another_route(api: Api) -> None:
    await _post(api, "/v1/classes/", CLASS_BODY, "k-2")
    body: Json = {"person_name": {"first_name": "Ada", "last_name": "Lovelace"}}
    status, error, _ = await _post(api, "/v1/classes/students", body, "k-2")
    assert status == 422
    assert_error(error, "IDEMPOTENCY_KEY_REUSED")


async def test_keys_are_per_teacher_when_two_teachers_use_the_same_key(api: Api) -> None:
    mine = await _post(api, "/v1/classes/", CLASS_BODY, "shared")
    theirs = await _post(api, "/v1/classes/", CLASS_BODY, "shared", user=f"other-{uuid.uuid4()}")
    assert mine[0] == theirs[0] == 201
    assert mine[1]["id"] != theirs[1]["id"]
    assert not theirs[2]


async def test_malformed_key_is_a_400_when_it_is_empty_too_long_or_not_visible_ascii(api: Api) -> None:
    for key in ("", "x" * 256, "has space", "tab\tkey", "åäö"):
        response = await api.client.post("/v1/classes/", json=CLASS_BODY, headers=_keyed(api, key))
        assert response.status_code == 400, key
        assert_error(await response.get_json(), "VALIDATION_ERROR")
    assert (await api.get_json("/v1/classes/"))["classes"] == []


async def test_failed_write_frees_its_key_when_a_retry_can_then_succeed(api: Api) -> None:
    missing_class = str(uuid.uuid4())
    body: Json = {"person_name": {"first_name": "Ada", "last_name": "Lovelace"}, "class_ids": [missing_class]}
    first = await _post(api, "/v1/classes/students", body, "retry-me")
    assert first[0] == 404

    again = await _post(api, "/v1/classes/students", body, "retry-me")
    assert again[0] == 404
    assert not again[2]


async def test_concurrent_retries_write_once_when_they_race(api: Api) -> None:
    events = len(await api.outbox())
    results = await asyncio.gather(*(_post(api, "/v1/classes/", CLASS_BODY, "race") for _ in range(5)))

    created = [r for r in results if r[0] == 201]
    assert {r[0] for r in results} <= {201, 409}
    assert len({r[1]["id"] for r in created}) == 1
    assert sum(1 for r in created if not r[2]) == 1  # one original, the rest replays
    for status, body, _ in results:
        if status == 409:
            assert_error(body, "IDEMPOTENCY_KEY_IN_FLIGHT")
    assert len((await api.get_json("/v1/classes/"))["classes"]) == 1
    assert len(await api.outbox()) == events + 2  # one class's created event and its notification


async def test_confirm_replays_when_the_key_repeats(api: Api) -> None:
    school_class = await api.create_class()
    ada = await api.create_student(class_ids=[school_class["id"]])
    batch = await seed_batch(api, school_class, [Candidate(ada, 0.9)])
    body: Json = {"associations": [decision(batch.essay_ids[0], ada)]}
    first = await _post(api, confirm_path(batch.batch_id), body, "confirm-1")
    events = len(await api.outbox())

    again = await _post(api, confirm_path(batch.batch_id), body, "confirm-1")

    assert first[0] == again[0] == 200
    assert again[1] == first[1]
    assert again[2]
    assert len(await api.outbox()) == events


async def test_invalid_body_is_a_400_and_leaves_the_key_unused_when_retried_valid(api: Api) -> None:
    response = await api.client.post("/v1/classes/", json={"name": ""}, headers=_keyed(api, "fix-and-retry"))
    assert response.status_code == 400

    status, _, replayed = await _post(api, "/v1/classes/", CLASS_BODY, "fix-and-retry")
    assert status == 201
    assert not replayed
