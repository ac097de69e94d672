"""Deleting a class or a student that pending essay validations refer to: 409, or ``?force=true``."""

from __future__ import annotations

import pytest

from tests.api.conftest import NOTIFICATION_TOPIC, Api, Json, assert_error, new_events
from tests.api.matching import (
    CONFIRMED_TOPIC,
    MATCHING_BACKENDS,
    Candidate,
    confirm_path,
    decision,
    review_path,
    seed_batch,
)

pytestmark = MATCHING_BACKENDS
CLASS_DELETED = "huleedu.class.deleted.v1"
STUDENT_DELETED = "huleedu.class.student.deleted.v1"


async def _class_with(api: Api, *names: str) -> tuple[Json, list[Json]]:
    school_class = await api.create_class()
    students = [
        await api.create_student(
            person_name={"first_name": name, "last_name": "X"},
            email=f"{name.lower()}@example.com",
            class_ids=[school_class["id"]],
        )
        for name in names
    ]
    return school_class, students


@pytest.mark.parametrize("force", ["", "?force=false", "?force=0"])
async def test_deleting_a_class_with_pending_essays_is_409_naming_the_batches(api: Api, force: str) -> None:
    school_class, (ada,) = await _class_with(api, "Ada")
    first = await seed_batch(api, school_class, [Candidate(ada, 0.9)])
    second = await seed_batch(api, school_class, [Candidate(ada, 0.8)])
    before = len(await api.outbox())

    response = await api.client.delete(f"/v1/classes/{school_class['id']}{force}", headers=api.headers())

    assert response.status_code == 409
    error = assert_error(await response.get_json(), "PENDING_VALIDATIONS")
    assert error["details"]["batch_ids"] == sorted([first.batch_id, second.batch_id])
    assert "force=true" in error["message"]
    await api.get_json(f"/v1/classes/{school_class['id']}")  # still there
    await api.get_json(review_path(first.batch_id))
    await new_events(api, before)


async def test_a_forced_class_delete_rejects_pending_essays_and_announces_their_batches_first(
    api: Api,
) -> None:
    school_class, (ada, bob) = await _class_with(api, "Ada", "Bob")
    batch = await seed_batch(api, school_class, [Candidate(ada, 0.9)], [Candidate(bob, 0.7)])
    decided = await api.client.post(
        confirm_path(batch.batch_id),
        json={"associations": [decision(batch.essay_ids[0], ada)]},
        headers=api.headers(),
    )
    assert decided.status_code == 200
    before = len(await api.outbox())

    response = await api.client.delete(f"/v1/classes/{school_class['id']}?force=true", headers=api.headers())

    assert response.status_code == 200, await response.get_data(as_text=True)
    confirmed, notification, deleted = await new_events(
        api, before, CONFIRMED_TOPIC, NOTIFICATION_TOPIC, CLASS_DELETED
    )
    data = confirmed.envelope["data"]
    assert (data["batch_id"], data["class_id"], data["timeout_triggered"]) == (
        batch.batch_id,
        school_class["id"],
        False,
    )
    assert [
        (a["essay_id"], a["student_id"], a["validation_method"], a["validated_by"])
        for a in data["associations"]
    ] == [
        (batch.essay_ids[0], ada["id"], "human", api.user),  # the teacher's decision stands
        (batch.essay_ids[1], None, "human", api.user),  # rejected by the forced delete
    ]
    assert data["validation_summary"]["rejected"] == 1
    assert notification.envelope["data"]["notification_type"] == "student_associations_confirmed"
    assert deleted.envelope["data"]["class_id"] == school_class["id"]
    gone = await api.client.get(review_path(batch.batch_id), headers=api.headers())
    assert gone.status_code == 404


async def test_deleting_a_student_named_by_pending_essays_is_409_unless_forced(api: Api) -> None:
    school_class, (ada, bob) = await _class_with(api, "Ada", "Bob")
    batch = await seed_batch(
        api, school_class, [Candidate(ada, 0.9)], [Candidate(bob, 0.7), Candidate(ada, 0.2)]
    )
    other = await seed_batch(api, school_class, [Candidate(bob, 0.9)], [Candidate(ada, 0.6)])
    before = len(await api.outbox())

    refused = await api.client.delete(f"/v1/classes/students/{bob['id']}", headers=api.headers())

    assert refused.status_code == 409
    error = assert_error(await refused.get_json(), "PENDING_VALIDATIONS")
    assert error["details"]["batch_ids"] == sorted([batch.batch_id, other.batch_id])
    await new_events(api, before)

    # The only essay of ``other`` still pending after Bob's is Ada's: it stays open. ``batch``
    # completes once its Ada essay is decided, so the forced delete completes it.
    decided = await api.client.post(
        confirm_path(batch.batch_id),
        json={"associations": [decision(batch.essay_ids[0], ada)]},
        headers=api.headers(),
    )
    assert decided.status_code == 200

    forced = await api.client.delete(f"/v1/classes/students/{bob['id']}?force=true", headers=api.headers())

    assert forced.status_code == 200, await forced.get_data(as_text=True)
    confirmed, _, deleted = await new_events(
        api, before, CONFIRMED_TOPIC, NOTIFICATION_TOPIC, STUDENT_DELETED
    )
    assert confirmed.envelope["data"]["batch_id"] == batch.batch_id
    assert [a["student_id"] for a in confirmed.envelope["data"]["associations"]] == [ada["id"], None]
    assert deleted.envelope["data"]["student_id"] == bob["id"]
    still_open = await api.get_json(review_path(other.batch_id))
    assert still_open["status"] == "pending_validation"
    assert [e["status"] for e in still_open["associations"]] == ["rejected", "pending_validation"]


async def test_deletes_without_pending_essays_need_no_force(api: Api) -> None:
    school_class, (ada,) = await _class_with(api, "Ada")
    batch = await seed_batch(api, school_class, [Candidate(ada, 0.9)])
    decided = await api.client.post(
        confirm_path(batch.batch_id),
        json={"associations": [decision(batch.essay_ids[0], ada)]},
        headers=api.headers(),
    )
    assert decided.status_code == 200
    before = len(await api.outbox())

    student = await api.client.delete(f"/v1/classes/students/{ada['id']}", headers=api.headers())
    school = await api.client.delete(f"/v1/classes/{school_class['id']}", headers=api.headers())

    assert (student.status_code, school.status_code) == (200, 200)
    await new_events(api, before, STUDENT_DELETED, CLASS_DELETED)


async def test_force_must_be_a_boolean(api: Api) -> None:
    school_class = await api.create_class()

    response = await api.client.delete(f"/v1/classes/{school_class['id']}?force=maybe", headers=api.headers())

    assert response.status_code == 400
    assert_error(await response.get_json(), "VALIDATION_ERROR")
