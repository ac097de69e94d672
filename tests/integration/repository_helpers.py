"""Helpers shared by the SQL repository tests, and each SQL backend's repositories."""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.events import OutboxEvent
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.student_repository import AsyncpgStudentRepository
from class_management_service.implementations.sqlite.class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sqlite.student_repository import SqlAlchemyStudentRepository
from class_management_service.models_db import event_outbox
from class_management_service.protocols import ClassRepositoryProtocol, StudentRepositoryProtocol

AT = datetime(2025, 3, 4, 5, 6, 7, 890123, tzinfo=UTC)

BACKENDS = ("postgres", "sqlite")
"""Ids for ``pytest.mark.parametrize("backend", BACKENDS)``; each names its ``<backend>_url`` fixture."""

_CLASS_REPOSITORIES: dict[str, Callable[[AsyncEngine], ClassRepositoryProtocol]] = {
    "sqlite": SqlAlchemyClassRepository,
    "postgres": AsyncpgClassRepository,
}
_STUDENT_REPOSITORIES: dict[str, Callable[[AsyncEngine], StudentRepositoryProtocol]] = {
    "sqlite": SqlAlchemyStudentRepository,
    "postgres": AsyncpgStudentRepository,
}


def class_repository(backend: str, engine: AsyncEngine) -> ClassRepositoryProtocol:
    """The ``backend``'s ("postgres" or "sqlite") class repository over ``engine``."""
    return _CLASS_REPOSITORIES[backend](engine)


def student_repository(backend: str, engine: AsyncEngine) -> StudentRepositoryProtocol:
    """The ``backend``'s ("postgres" or "sqlite") student repository over ``engine``."""
    return _STUDENT_REPOSITORIES[backend](engine)


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
