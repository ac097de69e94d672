"""Reachability probes for /healthz, one per dependency."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.protocols import HealthProbeProtocol


class SqlAlchemyDatabaseProbe(HealthProbeProtocol):
    """The database answers ``SELECT 1`` on a pooled connection."""

    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def is_healthy(self) -> bool | None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True


class AlwaysHealthyProbe(HealthProbeProtocol):
    """Stands in for the database in the in-memory mode (USE_MOCK_REPOSITORY)."""

    name = "database"

    async def is_healthy(self) -> bool | None:
        return True
