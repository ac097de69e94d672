"""Consumed messages that could not be used, kept in PostgreSQL with their raw bytes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.consumed_messages import DeadLetter
from class_management_service.implementations.postgres.connection import pg_connection
from class_management_service.implementations.sql_common import utc
from class_management_service.protocols import DeadLetterStoreProtocol

# "partition" and "offset" are SQL keywords, hence quoted.
_INSERT = """
INSERT INTO dead_letter_events (topic, "partition", "offset", message_key, message_value, reason,
                                received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)"""


class AsyncpgDeadLetterStore(DeadLetterStoreProtocol):
    """Dead letters in ``dead_letter_events``: one INSERT each (they are rare)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def record(self, letter: DeadLetter) -> None:
        values = (letter.topic, letter.partition, letter.offset, letter.key, letter.value, letter.reason)
        async with pg_connection(self._engine) as connection:
            await connection.execute(_INSERT, *values, utc(letter.received_at))
