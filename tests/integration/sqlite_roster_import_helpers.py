"""Set-up for the SQLite roster import tests: a teacher's class, rows, and readers of what was written."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.di import create_engine
from class_management_service.domain.import_rows import ImportMode, ImportRow, ParsedRow, RosterUpload
from class_management_service.domain.models import Actor, NewClass, SchoolClass
from class_management_service.domain.roster_import import ImportCommand, ImportPlan
from class_management_service.domain.roster_import_events import import_events
from class_management_service.implementations.sqlite.class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sqlite.roster_import import SqlAlchemyRosterImportRepository
from class_management_service.models_db import class_students, event_outbox, students
from tests.conftest import unique_user
from tests.integration.repository_helpers import no_events

START = datetime(2026, 2, 3, 8, 0, 0, 123456, tzinfo=UTC)


@dataclass
class Roster:
    """One teacher with a class, the import repository and readers, over one SQLite file."""

    engine: AsyncEngine
    imports: SqlAlchemyRosterImportRepository
    classes: SqlAlchemyClassRepository
    owner: str
    school_class: SchoolClass
    ticks: int = 0

    async def run(self, upload: RosterUpload, **kwargs: Any) -> ImportPlan:
        """Import ``upload`` at a time later than every earlier import's."""
        self.ticks += 1
        command = ImportCommand(self.owner, upload, START + timedelta(minutes=self.ticks), uuid.uuid4)
        actor = Actor(user_id=self.owner, correlation_id=uuid.uuid4())
        return await self.imports.import_students(command, lambda p: import_events(p, actor), **kwargs)

    async def outbox(self) -> list[tuple[str, str]]:
        """(topic, aggregate_id) of every outbox row, in id order."""
        statement = select(event_outbox.c.topic, event_outbox.c.aggregate_id).order_by(event_outbox.c.id)
        async with self.engine.connect() as connection:
            return [(row.topic, row.aggregate_id) for row in await connection.execute(statement)]

    async def students(self) -> dict[UUID, Any]:
        async with self.engine.connect() as connection:
            return {row.id: row for row in await connection.execute(select(students))}

    async def memberships(self) -> list[tuple[UUID, UUID]]:
        """(student_id, class_id) of every membership, in join order."""
        statement = select(class_students.c.student_id, class_students.c.class_id).order_by(
            class_students.c.created_at, class_students.c.class_id
        )
        async with self.engine.connect() as connection:
            return [(row.student_id, row.class_id) for row in await connection.execute(statement)]

    async def count(self, table: Any) -> int:
        async with self.engine.connect() as connection:
            return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


@asynccontextmanager
async def open_roster(sqlite_url: str) -> AsyncIterator[Roster]:
    engine = create_engine(Settings(database_url=sqlite_url))
    classes = SqlAlchemyClassRepository(engine)
    owner = unique_user()
    school_class = await classes.create(NewClass(uuid.uuid4(), "8C", "ENG5", owner, START), no_events)
    try:
        yield Roster(engine, SqlAlchemyRosterImportRepository(engine), classes, owner, school_class)
    finally:
        await engine.dispose()


def row(
    line: int, first: str = "Alva", *, email: str | None = None, external_id: str | None = None
) -> ImportRow:
    return ImportRow(line, first, "Berg", None, email, external_id)


def numbered_rows(count: int, first: str = "Pupil") -> list[ParsedRow]:
    """``count`` valid rows with their own email and external id, lines 2, 3, ..."""
    return [
        ImportRow(line, f"{first}{line}", "Ek", None, f"pupil{line}@school.se", f"sis-{line}")
        for line in range(2, count + 2)
    ]


def upload(
    rows: Sequence[ParsedRow],
    class_ids: Sequence[UUID] = (),
    mode: ImportMode = ImportMode.CREATE_ONLY,
    *,
    dry_run: bool = False,
    atomic: bool = False,
) -> RosterUpload:
    return RosterUpload(rows, tuple(class_ids), mode, dry_run, atomic)
