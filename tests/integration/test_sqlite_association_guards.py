"""SQLite: deleting a class or student with pending essays (refused, or forced) and dead letters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from class_management_service.domain.association_decisions import TimeoutPolicy
from class_management_service.domain.associations import PENDING, REJECTED
from class_management_service.domain.consumed_messages import DeadLetter
from class_management_service.domain.errors import (
    BatchNotFoundError,
    ClassNotFoundError,
    PendingValidationsError,
    StudentNotFoundError,
)
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import DeletedClass, DeletedStudent
from class_management_service.implementations.sqlite.dead_letter_store import SqlAlchemyDeadLetterStore
from class_management_service.models_db_matching import dead_letter_events, essay_students
from tests.integration.repository_helpers import no_events
from tests.integration.sqlite_association_helpers import (
    Setting,
    candidate,
    completed_marker,
    marker,
    markers_of,
    open_setting,
    suggested,
)


@pytest.fixture
async def setting(sqlite_url: str) -> AsyncIterator[Setting]:
    async with open_setting(sqlite_url) as opened:
        yield opened


def class_events(deleted: DeletedClass) -> list[OutboxEvent]:
    completed = [event for done in deleted.completed_batches for event in completed_marker(done)]
    return [*completed, marker("class-deleted", deleted.school_class.created_by_user_id)]


def student_events(deleted: DeletedStudent) -> list[OutboxEvent]:
    return [event for done in deleted.completed_batches for event in completed_marker(done)]


async def essay_count(setting: Setting) -> int:
    async with setting.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(essay_students))).scalar_one())


async def test_a_class_with_pending_essays_is_kept_unless_forced(setting: Setting) -> None:
    alva, bo, _ = setting.pupil_ids
    pending = suggested(setting, [("e1", [candidate(alva, 0.9)]), ("e2", [candidate(bo, 0.9)])], "b-pending")
    await setting.associations.ingest(pending, no_events)
    class_id = setting.school_class.id
    with pytest.raises(PendingValidationsError) as refused:
        await setting.classes.delete(setting.owner, class_id, class_events, at=datetime.now(UTC))
    assert refused.value.details == {"batch_ids": ["b-pending"]}
    assert (await setting.classes.get(setting.owner, class_id)).id == class_id
    deleted = await setting.classes.delete(
        setting.owner, class_id, class_events, force=True, at=datetime.now(UTC)
    )
    (done,) = deleted.completed_batches
    assert not done.timeout_triggered
    assert done.review.batch.completed_at is not None
    assert [(e.status, e.validation_method, e.validated_by) for e in done.review.essays] == [
        (REJECTED, "human", setting.owner)
    ] * 2
    assert await markers_of(setting.engine, "b-pending") == 1
    with pytest.raises(ClassNotFoundError):
        await setting.classes.get(setting.owner, class_id)
    with pytest.raises(BatchNotFoundError):
        await setting.associations.review(None, "b-pending")
    assert await essay_count(setting) == 0


async def test_a_class_whose_essays_are_decided_is_deleted_without_force(setting: Setting) -> None:
    event = suggested(setting, [("e1", [])])
    await setting.associations.ingest(event, no_events)
    await setting.associations.decide_expired(datetime(2100, 1, 1, tzinfo=UTC), _policy(), no_events)
    deleted = await setting.classes.delete(
        setting.owner, setting.school_class.id, class_events, at=datetime.now(UTC)
    )
    assert deleted.completed_batches == ()


async def test_a_student_named_by_pending_essays_rejects_only_those_when_forced(setting: Setting) -> None:
    alva, bo, _ = setting.pupil_ids
    shared = suggested(
        setting, [("e1", [candidate(bo, 0.8), candidate(alva, 0.5)]), ("e2", [candidate(bo, 0.9)])]
    )
    only_alva = suggested(setting, [("e3", [candidate(alva, 0.9)])])
    for event in (shared, only_alva):
        await setting.associations.ingest(event, no_events)
    with pytest.raises(PendingValidationsError) as refused:
        await setting.students.delete(setting.owner, alva, student_events, at=datetime.now(UTC))
    assert refused.value.details == {"batch_ids": sorted([shared.batch_id, only_alva.batch_id])}
    deleted = await setting.students.delete(
        setting.owner, alva, student_events, force=True, at=datetime.now(UTC)
    )
    assert [done.review.batch.batch_id for done in deleted.completed_batches] == [only_alva.batch_id]
    review = await setting.associations.review(setting.owner, shared.batch_id)
    assert [e.status for e in review.essays] == [REJECTED, PENDING]
    assert review.batch.completed_at is None
    assert [s.student_id for s in review.essays[0].suggestions] == [bo]
    with pytest.raises(StudentNotFoundError):
        await setting.students.get(setting.owner, alva)
    assert await markers_of(setting.engine, only_alva.batch_id) == 1
    assert await markers_of(setting.engine, shared.batch_id) == 0


async def test_a_dead_letter_keeps_the_raw_bytes_and_the_reason(setting: Setting) -> None:
    letter = DeadLetter("topic-a", 2, 41, b"key", b"\xff not json", "not JSON", datetime.now(UTC))
    await SqlAlchemyDeadLetterStore(setting.engine).record(letter)
    async with setting.engine.connect() as connection:
        row = (await connection.execute(select(dead_letter_events))).one()
    assert (row.topic, row.partition, row.offset, row.message_key, row.message_value, row.reason) == (
        "topic-a",
        2,
        41,
        b"key",
        b"\xff not json",
        "not JSON",
    )


def _policy() -> TimeoutPolicy:
    return TimeoutPolicy(min_confidence=0.7)
