"""Helpers shared by the SQLAlchemy and asyncpg repository tests, and the choice between them."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.events import OutboxEvent
from class_management_service.implementations.pg_class_repository import AsyncpgClassRepository
from class_management_service.implementations.pg_student_repository import AsyncpgStudentRepository
from class_management_service.implementations.sql_class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sql_student_repository import SqlAlchemyStudentRepository
from class_management_service.models_db import event_outbox
from class_management_service.protocols import ClassRepositoryProtocol, StudentRepositoryProtocol

AT = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)

IMPLEMENTATIONS = ("sqlalchemy", "asyncpg")
"""Ids for ``pytest.mark.parametrize("implementation", IMPLEMENTATIONS)``."""

_CLASS_REPOSITORIES: dict[str, Callable[[AsyncEngine], ClassRepositoryProtocol]] = {
    "sqlalchemy": SqlAlchemyClassRepository,
    "asyncpg": AsyncpgClassRepository,
}
_STUDENT_REPOSITORIES: dict[str, Callable[[AsyncEngine], StudentRepositoryProtocol]] = {
    "sqlalchemy": SqlAlchemyStudentRepository,
    "asyncpg": AsyncpgStudentRepository,
}


def class_repository(implementation: str, engine: AsyncEngine) -> ClassRepositoryProtocol:
    """The ``implementation`` ("sqlalchemy" or "asyncpg") class repository over ``engine``."""
    return _CLASS_REPOSITORIES[implementation](engine)


def student_repository(implementation: str, engine: AsyncEngine) -> StudentRepositoryProtocol:
    """The ``implementation`` ("sqlalchemy" or "asyncpg") student repository over ``engine``."""
    return _STUDENT_REPOSITORIES[implementation](engine)


def no_events(_: object) -> list[OutboxEvent]:
    return []


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def kill_backends_of(engine: AsyncEngine, killer: AsyncEngine) -> None:
    """Terminate, from ``killer``, the PostgreSQL backend behind ``engine``'s pooled connection."""
    async with engine.connect() as connection:
        pid = (await connection.execute(select(func.pg_backend_pid()))).scalar_one()
    async with killer.connect() as connection:
        await connection.execute(select(func.pg_terminate_backend(pid)))


async def outbox_rows_of(engine: AsyncEngine, aggregate_id: UUID) -> list[Any]:
    """Every ``event_outbox`` row of one aggregate, in id order."""
    query = select(event_outbox).where(event_outbox.c.aggregate_id == str(aggregate_id))
    async with engine.connect() as connection:
        return list((await connection.execute(query.order_by(event_outbox.c.id))).all())
