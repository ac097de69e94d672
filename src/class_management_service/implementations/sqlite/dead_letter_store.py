"""Dead letters in SQLite: consumed messages that could not be used, kept with their raw bytes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.consumed_messages import DeadLetter
from class_management_service.implementations.database import translate_database_errors
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite import association_statements as sql
from class_management_service.implementations.sqlite.engine import write_sessions
from class_management_service.protocols import DeadLetterStoreProtocol


class SqlAlchemyDeadLetterStore(DeadLetterStoreProtocol):
    """One row per unusable message, committed before the consumer commits its offset."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = write_sessions(engine)

    async def record(self, letter: DeadLetter) -> None:
        params = {
            "topic": letter.topic,
            "partition": letter.partition,
            "offset": letter.offset,
            "message_key": letter.key,
            "message_value": letter.value,
            "reason": letter.reason,
            "received_at": utc(letter.received_at),
        }
        async with translate_database_errors(), self._sessions.begin() as session:
            await session.execute(sql.INSERT_DEAD_LETTER, params)
