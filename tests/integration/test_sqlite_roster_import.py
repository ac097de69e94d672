"""The SQLite roster import: modes, re-upload, dry run, atomic rejection, foreign classes, bulk order."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from class_management_service.domain.errors import ClassNotFoundError
from class_management_service.domain.events import (
    STUDENT_CREATED_TOPIC,
    STUDENT_UPDATED_TOPIC,
    TEACHER_NOTIFICATION_TOPIC,
)
from class_management_service.domain.idempotency import IdempotencyClaim, IdempotentWrite, StoredResponse
from class_management_service.domain.import_rows import FieldError, ImportMode, InvalidRow, RowOutcome
from class_management_service.domain.models import NewClass
from class_management_service.domain.roster_import import ImportPlan
from class_management_service.implementations.sqlite.idempotency_store import SqlAlchemyIdempotencyStore
from class_management_service.models_db import class_students, event_outbox, students
from tests.integration.repository_helpers import no_events
from tests.integration.sqlite_roster_import_helpers import (
    START,
    Roster,
    numbered_rows,
    open_roster,
    row,
    upload,
)

CREATED, UPDATED, UNCHANGED, SKIPPED, INVALID = (
    RowOutcome.CREATED,
    RowOutcome.UPDATED,
    RowOutcome.UNCHANGED,
    RowOutcome.SKIPPED,
    RowOutcome.INVALID,
)


@pytest.fixture
async def roster(sqlite_url: str) -> AsyncIterator[Roster]:
    async with open_roster(sqlite_url) as opened:
        yield opened


def outcomes(plan: ImportPlan) -> list[RowOutcome]:
    return [result.outcome for result in plan.results]


async def claimed_key(roster: Roster) -> tuple[SqlAlchemyIdempotencyStore, IdempotentWrite[ImportPlan]]:
    store = SqlAlchemyIdempotencyStore(roster.engine)
    claim = IdempotencyClaim(roster.owner, f"key-{uuid.uuid4().hex}", "hash", START)
    assert await store.claim(claim) is None
    return store, IdempotentWrite(claim, lambda plan: StoredResponse(200, str(plan.counts[CREATED])))


async def test_create_then_upsert_then_update_only(roster: Roster) -> None:
    class_id = roster.school_class.id
    first = [row(2, "Alva", email="Alva@School.se", external_id="s-1"), row(3, "Bo", email="bo@school.se")]
    created = await roster.run(upload(first, [class_id]))

    assert outcomes(created) == [CREATED, CREATED]
    stored = await roster.students()
    alva, bo = (stored[result.student_id] for result in created.results if result.student_id)
    assert (alva.email, alva.external_id, alva.legal_full_name) == ("Alva@School.se", "s-1", "Alva Berg")
    assert bo.external_id is None
    assert await roster.memberships() == [(alva.id, class_id), (bo.id, class_id)]

    second_class = await roster.classes.create(
        NewClass(uuid.uuid4(), "9C", "ENG5", roster.owner, START + timedelta(seconds=1)), no_events
    )
    # By email, case-insensitively: Bo gets a new name, email spelling, external id and the second class.
    upsert = [
        row(2, "Alva", email="alva@school.se", external_id="s-1"),
        row(3, "Bosse", email="BO@school.se", external_id="s-2"),
        row(4, "Cleo", external_id="s-3"),
    ]
    upserted = await roster.run(upload(upsert, [class_id, second_class.id], ImportMode.UPSERT))

    assert outcomes(upserted) == [UPDATED, UPDATED, CREATED]
    stored = await roster.students()
    assert (stored[alva.id].email, stored[alva.id].first_name) == ("alva@school.se", "Alva")
    assert (stored[bo.id].first_name, stored[bo.id].email, stored[bo.id].external_id) == (
        "Bosse",
        "BO@school.se",
        "s-2",
    )
    assert stored[bo.id].updated_at > bo.updated_at
    memberships = await roster.memberships()
    assert (bo.id, second_class.id) in memberships
    assert (alva.id, second_class.id) in memberships
    assert len(memberships) == 6

    only = [
        row(2, "Alva", email="alva@school.se", external_id="s-1"),
        row(4, "Clea", external_id="s-3"),
        row(5, "Dan", external_id="s-9"),
    ]
    updated = await roster.run(upload(only, mode=ImportMode.UPDATE_ONLY))

    assert outcomes(updated) == [UNCHANGED, UPDATED, SKIPPED]
    assert len(await roster.students()) == 3
    topics = [topic for topic, _ in await roster.outbox()]
    assert topics == [
        *[STUDENT_CREATED_TOPIC] * 2,
        TEACHER_NOTIFICATION_TOPIC,
        STUDENT_CREATED_TOPIC,
        *[STUDENT_UPDATED_TOPIC] * 2,
        TEACHER_NOTIFICATION_TOPIC,
        STUDENT_UPDATED_TOPIC,
        TEACHER_NOTIFICATION_TOPIC,
    ]


async def test_re_upload_is_unchanged_in_every_mode_and_writes_nothing(roster: Roster) -> None:
    rows = numbered_rows(20)
    await roster.run(upload(rows, [roster.school_class.id]))
    before = (await roster.outbox(), await roster.students())

    for mode in ImportMode:
        again = await roster.run(upload(rows, [roster.school_class.id], mode))
        assert outcomes(again) == [UNCHANGED] * 20

    assert (await roster.outbox(), await roster.students()) == before


async def test_dry_run_answers_as_a_real_run_and_writes_only_the_key(roster: Roster) -> None:
    store, key = await claimed_key(roster)
    rows = [*numbered_rows(3), InvalidRow(9, (FieldError("email", "not an email"),))]

    dry = await roster.run(upload(rows, [roster.school_class.id], dry_run=True), key=key)

    assert outcomes(dry) == [CREATED, CREATED, CREATED, INVALID]
    assert [await roster.count(table) for table in (students, class_students, event_outbox)] == [0, 0, 0]
    stored = await store.claim(key.claim)
    assert stored is not None
    assert stored.response == StoredResponse(200, "3")
    real = await roster.run(upload(rows, [roster.school_class.id]))
    assert outcomes(real) == outcomes(dry)
    assert await roster.count(students) == 3


async def test_atomic_import_with_an_invalid_row_is_rejected_and_writes_nothing(roster: Roster) -> None:
    store, key = await claimed_key(roster)
    rows = [*numbered_rows(3), InvalidRow(5, (FieldError("first_name", "required"),))]

    plan = await roster.run(upload(rows, [roster.school_class.id], atomic=True), key=key)

    assert plan.is_rejected
    assert not plan.created
    assert [await roster.count(table) for table in (students, class_students, event_outbox)] == [0, 0, 0]
    stored = await store.claim(key.claim)
    assert stored is not None
    assert stored.response is None  # still in flight: the service answers 400


async def test_foreign_class_names_the_missing_ids_in_request_order_and_writes_nothing(
    roster: Roster,
) -> None:
    foreign = await roster.classes.create(
        NewClass(uuid.uuid4(), "1A", "ENG5", "someone-else", START), no_events
    )
    unknown = uuid.uuid4()

    with pytest.raises(ClassNotFoundError) as raised:
        await roster.run(upload(numbered_rows(3), [unknown, roster.school_class.id, foreign.id]))

    assert raised.value.details == {"class_ids": [str(unknown), str(foreign.id)]}
    assert [await roster.count(table) for table in (students, class_students, event_outbox)] == [0, 0, 0]


async def test_five_thousand_rows_write_their_events_in_row_order(roster: Roster) -> None:
    rows = numbered_rows(5_000)

    plan = await roster.run(upload(rows, [roster.school_class.id]))

    assert plan.counts[CREATED] == 5_000
    outbox = await roster.outbox()
    assert [topic for topic, _ in outbox] == [STUDENT_CREATED_TOPIC] * 5_000 + [TEACHER_NOTIFICATION_TOPIC]
    assert [aggregate for _, aggregate in outbox[:-1]] == [str(result.student_id) for result in plan.results]
    assert await roster.count(class_students) == 5_000
    again = await roster.run(upload(rows, [roster.school_class.id], ImportMode.UPSERT))
    assert again.counts[UNCHANGED] == 5_000
