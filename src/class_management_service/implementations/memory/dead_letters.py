"""Dead letters of the in-memory mode: kept in the store, in arrival order."""

from __future__ import annotations

from class_management_service.domain.consumed_messages import DeadLetter
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.protocols import DeadLetterStoreProtocol


class InMemoryDeadLetterStore(DeadLetterStoreProtocol):
    """Dead letters kept in the store's list, in arrival order."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def record(self, letter: DeadLetter) -> None:
        self._store.dead_letters.append(letter)
