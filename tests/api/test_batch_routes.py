"""The teacher's review and confirmation of NLP's suggestions over HTTP, on every backend."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import (
    NOTIFICATION_TOPIC,
    Api,
    Json,
    assert_envelope,
    assert_error,
    new_events,
    parse_timestamp,
)
from tests.api.matching import (
    CONFIRMED_TOPIC,
    MATCHING_BACKENDS,
    Candidate,
    SeededBatch,
    confirm_path,
    decision,
    review_path,
    seed_batch,
)

pytestmark = MATCHING_BACKENDS


async def _class_of_three(api: Api) -> tuple[Json, list[Json]]:
    school_class = await api.create_class("9A English")
    students = [
        await api.create_student(
            person_name={"first_name": first, "last_name": last},
            email=f"{first.lower()}@example.com",
            class_ids=[school_class["id"]],
        )
        for first, last in (("Ada", "Lovelace"), ("Bob", "Byron"), ("Cy", "Cole"))
    ]
    return school_class, students


async def _seeded(api: Api) -> tuple[Json, list[Json], SeededBatch]:
    """A class of Ada, Bob and Cy, and a batch: Ada's essay (Bob second), Bob's, and one without a name."""
    school_class, (ada, bob, cy) = await _class_of_three(api)
    batch = await seed_batch(
        api,
        school_class,
        [Candidate(ada, 0.93, ("exact_name", "email")), Candidate(bob, 0.41)],
        [Candidate(bob, 0.88)],
        [],
    )
    return school_class, [ada, bob, cy], batch


async def _confirm(
    api: Api, batch_id: str, *decisions: Json, user: str | None = None, **extra: object
) -> Json:
    response = await api.client.post(
        confirm_path(batch_id), json={"associations": list(decisions), **extra}, headers=api.headers(user)
    )
    assert response.status_code == 200, await response.get_data(as_text=True)
    body: Json = await response.get_json()
    return body


async def test_review_lists_every_essay_with_its_candidates_in_nlps_order(api: Api) -> None:
    school_class, (ada, bob, _), batch = await _seeded(api)

    body = await api.get_json(review_path(batch.batch_id))

    assert (body["batch_id"], body["class_id"], body["class_name"]) == (
        batch.batch_id,
        school_class["id"],
        "9A English",
    )
    assert (body["course_code"], body["status"], body["completed_at"], body["timeout_triggered"]) == (
        "ENG5",
        "pending_validation",
        None,
        False,
    )
    assert parse_timestamp(body["auto_confirm_deadline"]) == batch.deadline
    first, second, third = body["associations"]
    assert [e["essay_id"] for e in body["associations"]] == batch.essay_ids
    assert (first["suggested_student_id"], first["confidence_score"], first["match_reasons"]) == (
        ada["id"],
        0.93,
        ["exact_name", "email"],
    )
    parse_timestamp(first["created_at"])
    assert [(c["student_id"], c["confidence_score"]) for c in first["candidates"]] == [
        (ada["id"], 0.93),
        (bob["id"], 0.41),
    ]
    assert first["candidates"][0]["student_name"] == "Ada Lovelace"
    assert (first["filename"], first["text_storage_id"]) == (
        f"{batch.essay_ids[0]}.docx",
        f"text-{batch.essay_ids[0]}",
    )
    for essay in (first, second, third):
        assert essay["status"] == "pending_validation"
        assert [essay[k] for k in ("student_id", "validation_method", "validated_by", "validated_at")] == [
            None
        ] * 4
    assert second["suggested_student_id"] == bob["id"]
    assert (third["suggested_student_id"], third["confidence_score"], third["candidates"]) == (None, None, [])
    assert third["no_match_reason"] == "no_name_found"


async def test_another_teachers_batch_is_indistinguishable_from_a_missing_one(api: Api) -> None:
    _, _, batch = await _seeded(api)
    stranger = f"stranger-{uuid.uuid4()}"

    foreign = await api.client.get(review_path(batch.batch_id), headers=api.headers(stranger))
    missing = await api.client.get(review_path("no-such-batch"), headers=api.headers())

    for response in (foreign, missing):
        assert response.status_code == 404
        assert_error(await response.get_json(), "BATCH_NOT_FOUND")
    before = await api.outbox()
    refused = await api.client.post(
        confirm_path(batch.batch_id),
        json={"associations": [decision(batch.essay_ids[2], None, confirmed=False)]},
        headers=api.headers(stranger),
    )
    assert refused.status_code == 404
    assert await api.outbox() == before


async def test_batch_routes_need_the_teachers_identity(api: Api) -> None:
    _, _, batch = await _seeded(api)

    read = await api.client.get(review_path(batch.batch_id))
    confirm = await api.client.post(confirm_path(batch.batch_id), json={"associations": []})

    for response in (read, confirm):
        assert response.status_code == 401
        assert_error(await response.get_json(), "AUTHENTICATION_ERROR")


async def test_partial_confirmation_is_stored_as_the_header_teacher_and_announces_nothing(api: Api) -> None:
    _, (ada, _, cy), batch = await _seeded(api)
    before = len(await api.outbox())

    body = await _confirm(
        api,
        batch.batch_id,
        decision(batch.essay_ids[0], ada),
        decision(batch.essay_ids[2], cy),
        confirmation_method="manual_teacher_review",
        user_id="someone-else",
    )

    assert (body["status"], body["associations_confirmed"], body["associations_rejected"]) == (
        "confirmed",
        2,
        0,
    )
    assert (body["batch_status"], body["pending"], body["completed_at"]) == ("pending_validation", 1, None)
    assert body["changed_essay_ids"] == [batch.essay_ids[0], batch.essay_ids[2]]
    await new_events(api, before)  # nothing until the batch is complete
    review = await api.get_json(review_path(batch.batch_id))
    first, second, third = review["associations"]
    assert (first["status"], first["student_id"], first["validation_method"], first["validated_by"]) == (
        "confirmed",
        ada["id"],
        "human",
        api.user,
    )
    parse_timestamp(first["validated_at"])
    assert first["student_person_name"] == {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "legal_full_name": "Ada Lovelace",
    }
    assert (third["status"], third["student_id"], third["validated_by"]) == ("confirmed", cy["id"], api.user)
    assert (second["status"], second["student_id"]) == ("pending_validation", None)


async def test_the_decision_completing_the_batch_writes_one_confirmed_event_and_a_notification(
    api: Api,
) -> None:
    school_class, (_, bob, _), batch = await _seeded(api)
    await _confirm(api, batch.batch_id, decision(batch.essay_ids[0], bob))
    before = len(await api.outbox())

    body = await _confirm(
        api,
        batch.batch_id,
        decision(batch.essay_ids[1], bob),
        decision(batch.essay_ids[2], None, confirmed=False),
    )

    assert (body["associations_confirmed"], body["associations_rejected"]) == (1, 1)
    assert (body["batch_status"], body["pending"]) == ("completed", 0)
    completed_at = parse_timestamp(body["completed_at"])
    assert body["validation_summary"] == {
        "total_associations": 3,
        "confirmed": 2,
        "rejected": 1,
        "human": 3,
        "timeout": 0,
        "auto": 0,
    }
    confirmed, notification = await new_events(api, before, CONFIRMED_TOPIC, NOTIFICATION_TOPIC)
    assert (confirmed.aggregate_type, confirmed.aggregate_id, confirmed.user_id) == (
        "batch",
        batch.batch_id,
        api.user,
    )
    assert confirmed.correlation_id == batch.correlation_id
    data = confirmed.envelope["data"]
    assert (data["batch_id"], data["class_id"], data["course_code"]) == (
        batch.batch_id,
        school_class["id"],
        "ENG5",
    )
    assert data["timeout_triggered"] is False
    assert data["validation_summary"] == body["validation_summary"]
    assert [(a["essay_id"], a["student_id"], a["confidence_score"]) for a in data["associations"]] == [
        (batch.essay_ids[0], bob["id"], 0.41),  # the teacher chose NLP's second candidate
        (batch.essay_ids[1], bob["id"], 0.88),
        (batch.essay_ids[2], None, 0.0),
    ]
    assert {(a["validation_method"], a["validated_by"]) for a in data["associations"]} == {
        ("human", api.user)
    }
    assert parse_timestamp(data["associations"][2]["validated_at"]) == completed_at
    told = assert_envelope(notification, NOTIFICATION_TOPIC, str(batch.correlation_id))
    assert (told["notification_type"], told["teacher_id"], told["batch_id"]) == (
        "student_associations_confirmed",
        api.user,
        batch.batch_id,
    )


async def test_repeating_decisions_changes_nothing_and_announces_nothing(api: Api) -> None:
    _, (ada, bob, _), batch = await _seeded(api)
    decisions = [
        decision(batch.essay_ids[0], ada),
        decision(batch.essay_ids[1], bob),
        decision(batch.essay_ids[2], None, confirmed=False),
    ]
    await _confirm(api, batch.batch_id, *decisions)
    before = len(await api.outbox())
    review = await api.get_json(review_path(batch.batch_id))

    again = await _confirm(api, batch.batch_id, *decisions, decisions[0])

    assert (again["changed_essay_ids"], again["batch_status"]) == ([], "completed")
    await new_events(api, before)
    assert await api.get_json(review_path(batch.batch_id)) == review


async def test_changing_a_decided_essay_is_a_conflict_that_writes_nothing(api: Api) -> None:
    _, (ada, bob, _), batch = await _seeded(api)
    await _confirm(api, batch.batch_id, decision(batch.essay_ids[0], ada))
    review = await api.get_json(review_path(batch.batch_id))
    before = len(await api.outbox())

    for changed in (decision(batch.essay_ids[0], bob), decision(batch.essay_ids[0], None, confirmed=False)):
        response = await api.client.post(
            confirm_path(batch.batch_id),
            json={"associations": [decision(batch.essay_ids[1], bob), changed]},
            headers=api.headers(),
        )
        assert response.status_code == 409
        error = assert_error(await response.get_json(), "ASSOCIATION_ALREADY_DECIDED")
        assert error["details"]["essay_ids"] == [batch.essay_ids[0]]

    assert await api.get_json(review_path(batch.batch_id)) == review
    await new_events(api, before)


@pytest.mark.parametrize(
    ("case", "code"),
    [
        pytest.param("unknown-essay", "ESSAY_NOT_FOUND", id="essay-outside-the-batch"),
        pytest.param("outsider", "STUDENT_NOT_FOUND", id="student-outside-the-class"),
        pytest.param("stranger", "STUDENT_NOT_FOUND", id="another-teachers-student"),
    ],
)
async def test_decisions_naming_what_the_batch_does_not_hold_are_404_and_write_nothing(
    api: Api, case: str, code: str
) -> None:
    _, (ada, _, _), batch = await _seeded(api)
    outsider = await api.create_student(person_name={"first_name": "Out", "last_name": "Sider"})
    stranger = await api.create_student(user=f"other-{uuid.uuid4()}")
    bad = {
        "unknown-essay": decision("essay-of-another-batch", ada),
        "outsider": decision(batch.essay_ids[1], outsider),
        "stranger": decision(batch.essay_ids[1], stranger),
    }[case]
    review = await api.get_json(review_path(batch.batch_id))
    before = len(await api.outbox())

    response = await api.client.post(
        confirm_path(batch.batch_id),
        json={"associations": [decision(batch.essay_ids[0], ada), bad]},
        headers=api.headers(),
    )

    assert response.status_code == 404
    assert_error(await response.get_json(), code)
    assert await api.get_json(review_path(batch.batch_id)) == review
    await new_events(api, before)


@pytest.mark.parametrize(
    "associations",
    [
        pytest.param([{"essay_id": "e1", "confirmed": True}], id="confirmed-without-student"),
        pytest.param(
            [{"essay_id": "e1", "student_id": None, "confirmed": True}], id="confirmed-null-student"
        ),
        pytest.param([{"essay_id": "e1", "student_id": "nope", "confirmed": True}], id="student-not-uuid"),
        pytest.param([{"student_id": None, "confirmed": False}], id="no-essay-id"),
        pytest.param([{"essay_id": "e1", "student_id": None}], id="no-confirmed"),
        pytest.param([], id="empty"),
        pytest.param(None, id="null"),
    ],
)
async def test_malformed_decisions_are_400(api: Api, associations: object) -> None:
    _, _, batch = await _seeded(api)

    response = await api.client.post(
        confirm_path(batch.batch_id), json={"associations": associations}, headers=api.headers()
    )

    assert response.status_code == 400
    assert_error(await response.get_json(), "VALIDATION_ERROR")


async def test_one_request_deciding_an_essay_two_ways_is_400_but_twice_the_same_way_is_fine(api: Api) -> None:
    _, (ada, bob, _), batch = await _seeded(api)
    essay_id = batch.essay_ids[0]

    contradicting = await api.client.post(
        confirm_path(batch.batch_id),
        json={"associations": [decision(essay_id, ada), decision(essay_id, bob)]},
        headers=api.headers(),
    )

    assert contradicting.status_code == 400
    error = assert_error(await contradicting.get_json(), "VALIDATION_ERROR")
    assert essay_id in str(error["details"])
    # A rejection carries no student, whatever the body says: these two agree.
    body = await _confirm(
        api,
        batch.batch_id,
        decision(essay_id, None, confirmed=False),
        {"essay_id": essay_id, "student_id": ada["id"], "confirmed": False},
    )
    assert (body["associations_rejected"], body["changed_essay_ids"]) == (1, [essay_id])
