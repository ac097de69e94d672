"""Idempotency keys in the ``InMemoryStore``, judged by the same domain rules as the SQL stores."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TypeVar

from class_management_service.domain.errors import IdempotencyKeyInFlightError
from class_management_service.domain.idempotency import (
    IdempotencyClaim,
    IdempotentWrite,
    StoredKey,
    is_reclaimable,
)
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.protocols import IdempotencyStoreProtocol

_T = TypeVar("_T")


class InMemoryIdempotencyStore(IdempotencyStoreProtocol):
    """Keys kept beside the rows they guard; the store's lock serialises claims and writes."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def claim(self, claim: IdempotencyClaim) -> StoredKey | None:
        async with self._store.lock:
            stored = self._store.idempotency_keys.get((claim.owner, claim.key))
            if stored is not None and not is_reclaimable(stored, claim.at):
                return stored
            self._store.idempotency_keys[claim.owner, claim.key] = StoredKey(
                claim.request_hash, claim.at, None
            )
            return None

    async def release(self, claim: IdempotencyClaim) -> None:
        async with self._store.lock:
            if _is_held(self._store, claim):
                del self._store.idempotency_keys[claim.owner, claim.key]

    async def purge(self, older_than: datetime) -> int:
        async with self._store.lock:
            keys = self._store.idempotency_keys
            expired = [name for name, stored in keys.items() if stored.created_at < older_than]
            for name in expired:
                del keys[name]
            return len(expired)


def complete_key(store: InMemoryStore, write: IdempotentWrite[_T] | None, outcome: _T) -> None:
    """Under the store's lock, before the write changes anything: the claim becomes the response."""
    if write is None:
        return
    claim = write.claim
    if not _is_held(store, claim):
        raise IdempotencyKeyInFlightError(claim.key)  # the claim expired and another request took it
    stored = store.idempotency_keys[claim.owner, claim.key]
    store.idempotency_keys[claim.owner, claim.key] = replace(stored, response=write.respond(outcome))


def _is_held(store: InMemoryStore, claim: IdempotencyClaim) -> bool:
    stored = store.idempotency_keys.get((claim.owner, claim.key))
    return stored is not None and stored.response is None and stored.created_at == claim.at
