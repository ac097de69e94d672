"""The outbox backlog for health checks, read through asyncpg."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.implementations.postgres.connection import pg_connection
from class_management_service.protocols import OutboxStatsProtocol

# PostgreSQL measures the age on its own clock, so replicas with skewed clocks agree.
_BACKLOG = """
SELECT count(*), extract(epoch FROM now() - min(occurred_at))::float8
FROM event_outbox WHERE published_at IS NULL"""


class AsyncpgOutboxStats(OutboxStatsProtocol):
    """Reports how many events wait for the relay, and for how long, from the outbox table."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def pending(self) -> tuple[int, float | None]:
        async with pg_connection(self._engine) as connection:
            row = await connection.fetchrow(_BACKLOG)
        count, age = (0, None) if row is None else (row[0], row[1])
        return int(count), None if age is None else float(age)
