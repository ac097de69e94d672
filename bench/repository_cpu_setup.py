"""What ``bench.repository_cpu`` measures on: a throwaway migrated database and the data it reads."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.environment import services_env
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import NewClass, NewStudent
from class_management_service.implementations.migrations import upgrade_to_head
from class_management_service.implementations.sql_class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sql_student_repository import SqlAlchemyStudentRepository

READER_CLASSES = 20
READER_STUDENTS = 200
ROSTER_SIZE = 30
WRITER_CLASSES = 10


@asynccontextmanager
async def throwaway_database() -> AsyncIterator[str]:
    """A new database (UTF-8 ctype, as production and the tests use) migrated to head, then dropped."""
    env = services_env()
    name = f"cms_bench_repository_cpu_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(env["CMS_PG_ADMIN_URL"])
    try:
        await admin.execute(
            f"CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' "
            "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"
        )
    finally:
        await admin.close()
    url = env["CLASS_MANAGEMENT_SERVICE_DATABASE_URL"].rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade_to_head(url)
        yield url
    finally:
        admin = await asyncpg.connect(env["CMS_PG_ADMIN_URL"])
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@dataclass(frozen=True)
class Fixture:
    """A reader teacher's classes and students (the reads), and a writer teacher's classes."""

    owner: str
    classes: list[uuid.UUID]
    students: list[uuid.UUID]
    roster_class: uuid.UUID
    writer: str
    writer_classes: list[uuid.UUID]

    @classmethod
    async def seed(cls, engine: AsyncEngine) -> Fixture:
        owner, writer = f"reader-{uuid.uuid4().hex[:8]}", f"writer-{uuid.uuid4().hex[:8]}"
        classes, students = SqlAlchemyClassRepository(engine), SqlAlchemyStudentRepository(engine)
        start = datetime.now(UTC) - timedelta(days=1)

        async def add_class(teacher: str, n: int) -> uuid.UUID:
            new = NewClass(uuid.uuid4(), f"Class {n}", "ENG5", teacher, start + timedelta(seconds=n))
            return (await classes.create(new, _no_events)).id

        reader_classes = [await add_class(owner, n) for n in range(READER_CLASSES)]
        roster_class = reader_classes[0]
        reader_students = []
        for n in range(READER_STUDENTS):
            enrolled = (roster_class, reader_classes[1]) if n < ROSTER_SIZE else (reader_classes[n % 7 + 2],)
            new = NewStudent(
                id=uuid.uuid4(),
                first_name="Ada" if n % 2 else "Alan",
                last_name=f"Student {n:03d}",
                legal_full_name=f"Ada Student {n:03d}",
                email=f"reader-{n}@example.com",
                class_ids=enrolled,
                owner=owner,
                at=start + timedelta(seconds=n),
            )
            reader_students.append((await students.create(new, _no_events)).id)
        writer_classes = [await add_class(writer, n) for n in range(WRITER_CLASSES)]
        return cls(owner, reader_classes, reader_students, roster_class, writer, writer_classes)


def _no_events(_: object) -> list[OutboxEvent]:
    return []
