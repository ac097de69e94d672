"""What only the PostgreSQL roster import has: its lock, its retry, its COPY and an outage mid-write."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from class_management_service.domain.errors import DuplicateStudentEmailError, RepositoryUnavailableError
from class_management_service.domain.events import STUDENT_UPDATED_TOPIC, OutboxEvent
from class_management_service.domain.import_rows import (
    FieldError,
    ImportMode,
    ImportRow,
    InvalidRow,
    ParsedRow,
    RosterUpload,
    RowOutcome,
)
from class_management_service.domain.models import Actor, NewClass, NewStudent
from class_management_service.domain.roster_import import ImportCommand, ImportPlan
from class_management_service.domain.roster_import_events import import_events
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.roster_import import AsyncpgRosterImportRepository
from class_management_service.implementations.postgres.student_repository import AsyncpgStudentRepository
from tests.conftest import unique_user
from tests.integration.conftest import services, wait_until
from tests.integration.repository_helpers import AT, no_events


def _rows(count: int, tag: str = "s") -> list[ImportRow]:
    return [
        ImportRow(i + 2, f"First{i}", f"Last{i}", None, f"{tag}{i}@example.com", f"{tag}-ext-{i}")
        for i in range(count)
    ]


def _command(owner: str, rows: Sequence[ParsedRow], *class_ids: UUID, **options: Any) -> ImportCommand:
    upload = RosterUpload(rows, tuple(class_ids), **options)
    return ImportCommand(owner, upload, AT, uuid.uuid4)


class _Events:
    """``import_events`` for one teacher, running ``side_effect`` (once) before the first build."""

    def __init__(self, owner: str, side_effect: Callable[[], None] | None = None) -> None:
        self.actor = Actor(user_id=owner, correlation_id=uuid.uuid4())
        self.calls = 0
        self._side_effect = side_effect

    def __call__(self, plan: ImportPlan) -> list[OutboxEvent]:
        self.calls += 1
        if self._side_effect is not None:
            side_effect, self._side_effect = self._side_effect, None
            side_effect()
        return import_events(plan, self.actor)


def _in_own_thread(work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Runs ``work`` to completion on its own loop: the import's transaction stays open meanwhile."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(work())
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]


async def _scalar(engine: AsyncEngine, sql: str, **values: Any) -> Any:
    async with engine.connect() as connection:
        return (await connection.execute(text(sql), values)).scalar_one()


async def _add_class(engine: AsyncEngine, owner: str) -> UUID:
    created = await AsyncpgClassRepository(engine).create(
        NewClass(uuid.uuid4(), "7A", "ENG5", owner, AT), no_events
    )
    return created.id


async def test_a_5000_row_import_writes_students_memberships_and_outbox_rows_in_row_order(
    clean_pg: AsyncEngine,
) -> None:
    owner, rows = unique_user(), _rows(5000)
    class_id = await _add_class(clean_pg, owner)
    events = _Events(owner)
    plan = await AsyncpgRosterImportRepository(clean_pg).import_students(
        _command(owner, rows, class_id), events
    )

    assert plan.counts[RowOutcome.CREATED] == 5000
    async with clean_pg.connect() as connection:
        outbox = (
            await connection.execute(text("SELECT aggregate_id, payload FROM event_outbox ORDER BY id"))
        ).all()
        students: dict[str, UUID] = dict(
            (
                await connection.execute(
                    text("SELECT external_id, id FROM students WHERE created_by_user_id = :o"), {"o": owner}
                )
            ).all()
        )
    assert [aggregate_id for aggregate_id, _ in outbox[:-1]] == [str(s.id) for s in plan.created]
    assert [json.loads(payload)["data"]["student_email"] for _, payload in outbox[:-1]] == [
        r.email for r in rows
    ]
    assert json.loads(outbox[-1][1])["data"]["payload"]["created"] == 5000
    assert students == {
        r.external_id: result.student_id for r, result in zip(rows, plan.results, strict=True)
    }
    members = "SELECT count(*) FROM class_student_association WHERE class_id = :c"
    assert await _scalar(clean_pg, members, c=class_id) == 5000

    again = await AsyncpgRosterImportRepository(clean_pg).import_students(
        _command(owner, rows, class_id, mode=ImportMode.UPSERT), _Events(owner)
    )
    assert again.counts[RowOutcome.UNCHANGED] == 5000
    assert await _scalar(clean_pg, "SELECT count(*) FROM event_outbox") == 5001


async def test_a_5000_row_upsert_updates_every_student_and_joins_the_new_class(clean_pg: AsyncEngine) -> None:
    owner, rows = unique_user(), _rows(5000)
    first_class, second_class = await _add_class(clean_pg, owner), await _add_class(clean_pg, owner)
    repository = AsyncpgRosterImportRepository(clean_pg)
    created = await repository.import_students(_command(owner, rows, first_class), _Events(owner))
    # Matched by external id: new names and emails, and a second class.
    renamed = [replace(r, first_name=f"New{r.line}", email=f"new.{r.line}@example.com") for r in rows]
    plan = await repository.import_students(
        _command(owner, renamed, second_class, mode=ImportMode.UPSERT), _Events(owner)
    )

    assert plan.counts[RowOutcome.UPDATED] == 5000
    assert [r.student_id for r in plan.results] == [r.student_id for r in created.results]
    async with clean_pg.connect() as connection:
        stored = (
            await connection.execute(
                text(
                    "SELECT s.first_name, s.email, array_agg(m.class_id) FROM students s "
                    "JOIN class_student_association m ON m.student_id = s.id "
                    "WHERE s.created_by_user_id = :o GROUP BY s.id ORDER BY s.first_name"
                ),
                {"o": owner},
            )
        ).all()
        outbox = (
            await connection.execute(
                text("SELECT aggregate_id, topic FROM event_outbox ORDER BY id OFFSET 5001")
            )
        ).all()
    assert sorted((f"New{r.line}", f"new.{r.line}@example.com") for r in rows) == sorted(
        (first, email) for first, email, _ in stored
    )
    assert all(set(classes) == {first_class, second_class} for _, _, classes in stored)
    assert [aggregate_id for aggregate_id, _ in outbox[:-1]] == [str(u.student.id) for u in plan.updated]
    assert {topic for _, topic in outbox[:-1]} == {STUDENT_UPDATED_TOPIC}


async def test_a_single_create_taking_an_email_between_plan_and_write_makes_the_import_plan_again(
    clean_pg: AsyncEngine, postgres_url: str
) -> None:
    owner, rows = unique_user(), _rows(50)
    taken = rows[7]
    single_id = uuid.uuid4()

    async def create_single() -> None:
        engine = create_async_engine(postgres_url)
        try:
            new = NewStudent(single_id, "Other", "Name", "Other Name", taken.email, (), owner, AT)
            await AsyncpgStudentRepository(engine).create(new, no_events)
        finally:
            await engine.dispose()

    events = _Events(owner, lambda: _in_own_thread(create_single))
    plan = await AsyncpgRosterImportRepository(clean_pg).import_students(_command(owner, rows), events)

    assert events.calls == 2  # the first plan's write was refused by the unique index
    assert plan.results[7].outcome is RowOutcome.SKIPPED
    assert plan.results[7].student_id == single_id
    assert plan.counts[RowOutcome.CREATED] == 49
    students = "SELECT count(*) FROM students WHERE created_by_user_id = :o"
    assert await _scalar(clean_pg, students, o=owner) == 50
    assert await _scalar(clean_pg, "SELECT count(*) FROM event_outbox") == 50  # 49 created + summary


async def test_two_imports_of_one_teacher_run_one_after_the_other(clean_pg: AsyncEngine) -> None:
    owner, rows = unique_user(), _rows(2000)
    repository = AsyncpgRosterImportRepository(clean_pg)
    first, second = _Events(owner), _Events(owner)
    plans = await asyncio.gather(
        repository.import_students(_command(owner, rows), first),
        repository.import_students(_command(owner, rows), second),
    )

    assert sorted(plan.counts[RowOutcome.CREATED] for plan in plans) == [0, 2000]
    assert sorted(plan.counts[RowOutcome.UNCHANGED] for plan in plans) == [0, 2000]
    # The later import planned once, on the earlier one's committed students: never a refused write.
    assert first.calls + second.calls == 1
    students = "SELECT count(*) FROM students WHERE created_by_user_id = :o"
    assert await _scalar(clean_pg, students, o=owner) == 2000


async def test_postgresql_stopping_mid_import_changes_nothing(clean_pg: AsyncEngine) -> None:
    owner, rows = unique_user(), _rows(5000)
    class_id = await _add_class(clean_pg, owner)
    is_stopped = False

    def stop_postgres() -> None:
        nonlocal is_stopped
        is_stopped = True
        _in_own_thread(lambda: services("stop", "postgres"))

    try:
        with pytest.raises(RepositoryUnavailableError):
            await AsyncpgRosterImportRepository(clean_pg).import_students(
                _command(owner, rows, class_id), _Events(owner, stop_postgres)
            )
    finally:
        if is_stopped:
            await services("start", "postgres")
    await clean_pg.dispose()  # the pool's connections died with the server

    assert (
        await _scalar(clean_pg, "SELECT count(*) FROM students WHERE created_by_user_id = :o", o=owner) == 0
    )
    assert await _scalar(clean_pg, "SELECT count(*) FROM class_student_association") == 0
    assert await _scalar(clean_pg, "SELECT count(*) FROM event_outbox") == 0


async def test_a_large_atomic_import_with_an_invalid_last_row_writes_nothing(clean_pg: AsyncEngine) -> None:
    # Its students are COPYed while the rows are decided: the rejection rolls them back.
    invalid = InvalidRow(5000, (FieldError("email", "not an email"),))
    owner = unique_user()
    rows: list[ParsedRow] = [*_rows(3000), invalid]
    class_id = await _add_class(clean_pg, owner)
    plan = await AsyncpgRosterImportRepository(clean_pg).import_students(
        _command(owner, rows, class_id, atomic=True), _Events(owner)
    )

    assert plan.is_rejected
    assert plan.counts[RowOutcome.INVALID] == 1
    students = "SELECT count(*) FROM students WHERE created_by_user_id = :o"
    assert await _scalar(clean_pg, students, o=owner) == 0
    assert await _scalar(clean_pg, "SELECT count(*) FROM event_outbox") == 0


async def test_a_large_dry_run_writes_nothing(clean_pg: AsyncEngine) -> None:
    owner = unique_user()
    plan = await AsyncpgRosterImportRepository(clean_pg).import_students(
        _command(owner, _rows(3000), dry_run=True), _Events(owner)
    )

    assert plan.counts[RowOutcome.CREATED] == 3000
    students = "SELECT count(*) FROM students WHERE created_by_user_id = :o"
    assert await _scalar(clean_pg, students, o=owner) == 0


async def test_a_large_import_waiting_on_an_email_another_write_commits_plans_again(
    clean_pg: AsyncEngine, postgres_url: str
) -> None:
    owner, rows = unique_user(), _rows(3000)
    taken = rows[2500]
    other = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        holding = other.transaction()
        await holding.start()
        await other.execute(
            "INSERT INTO students (id, first_name, last_name, legal_full_name, email, created_by_user_id, "
            "created_at, updated_at) VALUES ($1, 'Other', 'Name', 'Other Name', $2, $3, $4, $4)",
            uuid.uuid4(),
            taken.email,
            owner,
            AT,
        )
        events = _Events(owner)
        importing = asyncio.create_task(
            AsyncpgRosterImportRepository(clean_pg).import_students(_command(owner, rows), events)
        )

        async def import_waits_on_the_email() -> bool:
            waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND pid <> $1"
            return bool(await other.fetchval(waiting, other.get_server_pid()))

        await wait_until(import_waits_on_the_email, what="the import's COPY waiting on the email")
        await holding.commit()
        plan = await importing
    finally:
        await other.close()

    assert events.calls == 1  # the first plan never reached its events: its COPY was refused
    assert plan.results[2500].outcome is RowOutcome.SKIPPED
    assert plan.counts[RowOutcome.CREATED] == 2999
    students = "SELECT count(*) FROM students WHERE created_by_user_id = :o"
    assert await _scalar(clean_pg, students, o=owner) == 3000


async def test_an_email_only_postgresql_folds_to_a_students_is_a_409_not_a_second_student(
    clean_pg: AsyncEngine,
) -> None:
    # PostgreSQL's lower() folds "İ" to "i", as the unique index does; Python's str.lower() does not
    # (it adds a combining dot), so the plan creates a student the index then refuses: after
    # planning again the import answers the index's own 409, and writes nothing.
    owner = unique_user()
    repository = AsyncpgRosterImportRepository(clean_pg)
    first = _command(owner, [ImportRow(2, "Ida", "Yilmaz", None, "İda@example.com", None)])
    await repository.import_students(first, _Events(owner))
    other_spelling = _command(owner, [ImportRow(2, "Ida", "Yilmaz", None, "ida@example.com", None)])
    with pytest.raises(DuplicateStudentEmailError):
        await repository.import_students(other_spelling, _Events(owner))
    students = "SELECT count(*) FROM students WHERE created_by_user_id = :o"
    assert await _scalar(clean_pg, students, o=owner) == 1
