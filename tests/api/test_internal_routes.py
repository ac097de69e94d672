"""What other services call under /internal/v1, and NLP's roster opt-in, on every backend."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from structlog.testing import capture_logs

from tests.api.conftest import (
    INTERNAL_KEY,
    Api,
    Json,
    api_settings,
    assert_error,
    parse_timestamp,
    serving_client,
)
from tests.api.matching import (
    MATCHING_BACKENDS,
    Candidate,
    SeededBatch,
    confirm_path,
    decision,
    seed_batch,
)

pytestmark = MATCHING_BACKENDS
INTERNAL = {"X-Internal-API-Key": INTERNAL_KEY, "X-Service-ID": "teacher_bff"}


async def _internal(api: Api, path: str, status: int = 200) -> Any:
    response = await api.client.get(path, headers=INTERNAL)
    assert response.status_code == status, await response.get_data(as_text=True)
    return await response.get_json()


async def _batch_with_one_decision(api: Api) -> tuple[Json, Json, SeededBatch]:
    """A class with Ada, a batch of two essays naming her; the first confirmed by the teacher."""
    school_class = await api.create_class("9A English")
    ada = await api.create_student(
        person_name={"first_name": "Ada", "last_name": "Lovelace", "legal_full_name": "Augusta Ada King"},
        class_ids=[school_class["id"]],
    )
    batch = await seed_batch(api, school_class, [Candidate(ada, 0.9)], [Candidate(ada, 0.3)])
    response = await api.client.post(
        confirm_path(batch.batch_id),
        json={"associations": [decision(batch.essay_ids[0], ada)]},
        headers=api.headers(),
    )
    assert response.status_code == 200
    return school_class, ada, batch


async def test_class_info_maps_each_requested_batch_to_its_class_or_null(api: Api) -> None:
    school_class, _, batch = await _batch_with_one_decision(api)

    body = await _internal(
        api, f"/internal/v1/batches/class-info?batch_ids={batch.batch_id}, unknown ,unknown"
    )

    assert body == {
        batch.batch_id: {"class_id": school_class["id"], "class_name": "9A English"},
        "unknown": None,
    }


@pytest.mark.parametrize("query", ["", "?batch_ids=", "?batch_ids=,,%20"])
async def test_class_info_without_ids_is_an_empty_map(api: Api, query: str) -> None:
    assert await _internal(api, f"/internal/v1/batches/class-info{query}") == {}
    assert await _internal(api, f"/internal/v1/batches/validation-status{query}") == {}


async def test_more_batch_ids_than_the_setting_allows_is_400(api: Api) -> None:
    ids = ",".join(f"b{n}" for n in range(101))  # internal_max_batch_ids defaults to 100

    for route in ("class-info", "validation-status"):
        body = await _internal(api, f"/internal/v1/batches/{route}?batch_ids={ids}", 400)
        error = assert_error(body, "VALIDATION_ERROR")
        assert error["details"]["errors"][0]["loc"] == ["query", "batch_ids"]
    assert len(await _internal(api, f"/internal/v1/batches/class-info?batch_ids={ids[:-5]}")) == 100


async def test_student_names_show_the_decided_students_names_and_null_while_pending(api: Api) -> None:
    _, ada, batch = await _batch_with_one_decision(api)

    body = await _internal(api, f"/internal/v1/batches/{batch.batch_id}/student-names")

    assert body == [
        {
            "essay_id": batch.essay_ids[0],
            "student_id": ada["id"],
            "student_person_name": {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "legal_full_name": "Augusta Ada King",
            },
            "status": "confirmed",
            "validation_method": "human",
        },
        {
            "essay_id": batch.essay_ids[1],
            "student_id": None,
            "student_person_name": None,
            "status": "pending_validation",
            "validation_method": None,
        },
    ]


async def test_one_essays_association_carries_its_batch_and_decision(api: Api) -> None:
    school_class, ada, batch = await _batch_with_one_decision(api)

    body = await _internal(api, f"/internal/v1/associations/essay/{batch.essay_ids[0]}")

    assert (body["essay_id"], body["batch_id"], body["class_id"]) == (
        batch.essay_ids[0],
        batch.batch_id,
        school_class["id"],
    )
    assert (body["student_id"], body["status"], body["validation_method"], body["validated_by"]) == (
        ada["id"],
        "confirmed",
        "human",
        api.user,
    )
    assert body["student_person_name"]["legal_full_name"] == "Augusta Ada King"
    assert body["confidence_score"] == 0.9
    parse_timestamp(body["validated_at"])


async def test_unknown_batches_and_essays_are_404(api: Api) -> None:
    missing_batch = await _internal(api, "/internal/v1/batches/no-such-batch/student-names", 404)
    missing_essay = await _internal(api, "/internal/v1/associations/essay/no-such-essay", 404)

    assert_error(missing_batch, "BATCH_NOT_FOUND")
    assert_error(missing_essay, "ESSAY_NOT_FOUND")


async def test_validation_status_counts_decisions_and_deviations_with_the_deadline(api: Api) -> None:
    school_class, _, batch = await _batch_with_one_decision(api)
    await api.client.post(
        confirm_path(batch.batch_id),
        json={"associations": [decision(batch.essay_ids[1], None, confirmed=False)]},
        headers=api.headers(),
    )

    body = await _internal(api, f"/internal/v1/batches/validation-status?batch_ids={batch.batch_id},nope")

    status = body[batch.batch_id]
    assert body["nope"] is None
    assert (status["batch_id"], status["class_id"]) == (batch.batch_id, school_class["id"])
    assert (status["total"], status["pending"], status["decided"]) == (2, 0, 2)
    assert (status["confirmed"], status["rejected"], status["deviations"]) == (1, 1, 1)
    assert status["by_method"] == {"human": 2, "timeout": 0, "auto": 0}
    assert (status["status"], status["timeout_triggered"]) == ("completed", False)
    assert parse_timestamp(status["auto_confirm_deadline"]) == batch.deadline
    parse_timestamp(status["completed_at"])


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="nothing"),
        pytest.param({"X-Internal-API-Key": INTERNAL_KEY}, id="key-without-service-id"),
        pytest.param({"X-Service-ID": "teacher_bff"}, id="service-id-without-key"),
        pytest.param({"X-Internal-API-Key": "wrong", "X-Service-ID": "teacher_bff"}, id="wrong-key"),
        pytest.param({"X-User-ID": "teacher-1"}, id="a-teacher"),
    ],
)
async def test_internal_routes_need_the_key_and_the_service_id(api: Api, headers: dict[str, str]) -> None:
    for path in (
        "/internal/v1/batches/class-info?batch_ids=a",
        "/internal/v1/batches/validation-status?batch_ids=a",
        "/internal/v1/batches/a/student-names",
        "/internal/v1/associations/essay/a",
    ):
        response = await api.client.get(path, headers=headers)
        assert response.status_code == 401, path
        assert_error(await response.get_json(), "AUTHENTICATION_ERROR")


async def test_a_nul_in_a_batch_id_is_400_not_a_database_error(api: Api) -> None:
    for path in (
        "/internal/v1/batches/class-info?batch_ids=a%00b",
        "/internal/v1/batches/a%00b/student-names",
        "/internal/v1/associations/essay/a%00b",
    ):
        body = await _internal(api, path, 400)
        assert_error(body, "VALIDATION_ERROR")


@pytest.mark.parametrize("is_opted_in", [False, True], ids=["default-off", "opted-in"])
async def test_a_roster_request_without_identity_is_internal_only_when_opted_in(
    api_database: tuple[str, object], backend: str, is_opted_in: bool
) -> None:
    url, _ = api_database
    settings = api_settings(
        url,
        use_mock_repository=backend == "memory",
        roster_without_user_id_is_internal=is_opted_in,
        log_level="INFO",  # the line below is an info line
    )
    teacher = f"teacher-{uuid.uuid4()}"
    async with serving_client(settings) as client:
        created = await client.post(
            "/v1/classes/", json={"name": "9A", "course_codes": ["ENG5"]}, headers={"X-User-ID": teacher}
        )
        class_id = (await created.get_json())["id"]
        with capture_logs() as logs:
            anonymous = await client.get(f"/v1/classes/{class_id}/roster")
        stranger = await client.get(f"/v1/classes/{class_id}/roster", headers={"X-User-ID": "someone-else"})

    assert stranger.status_code == 404  # a teacher's identity is still checked when sent
    if not is_opted_in:
        assert anonymous.status_code == 401
        assert_error(await anonymous.get_json(), "AUTHENTICATION_ERROR")
        return
    assert anonymous.status_code == 200
    assert await anonymous.get_json() == {"students": []}
    [line] = [entry for entry in logs if entry["event"] == "roster_served_without_identity"]
    assert line["caller"]
