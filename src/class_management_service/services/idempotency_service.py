"""Idempotency keys for retried POSTs: claim or replay before the write, purge what expired."""

from __future__ import annotations

from datetime import datetime

from class_management_service.domain.idempotency import (
    KEY_TTL,
    IdempotencyClaim,
    StoredResponse,
    replay,
)
from class_management_service.domain.models import Actor
from class_management_service.protocols import ClockProtocol, IdempotencyStoreProtocol

PURGE_EVERY = KEY_TTL / 24


class IdempotencyService:
    """Decides whether a keyed request runs, replays its first response, or is refused."""

    def __init__(self, store: IdempotencyStoreProtocol, clock: ClockProtocol) -> None:
        self._store = store
        self._clock = clock
        self._next_purge_at: datetime | None = None

    async def begin(
        self, actor: Actor, key: str, request_hash: str
    ) -> tuple[IdempotencyClaim, StoredResponse | None]:
        """The claim the write completes, or the first response to replay (then nothing runs).

        IdempotencyKeyReusedError for another request under the key, IdempotencyKeyInFlightError
        while the first request with it still runs.
        """
        at = self._clock.now()
        await self._purge_if_due(at)
        claim = IdempotencyClaim(actor.user_id, key, request_hash, at)
        stored = await self._store.claim(claim)
        return claim, None if stored is None else replay(stored, claim)

    async def release(self, claim: IdempotencyClaim) -> None:
        """The write failed: a retry with the key runs again."""
        await self._store.release(claim)

    async def _purge_if_due(self, at: datetime) -> None:
        # Opportunistic and per process: expired keys are only dead weight (a claim overwrites an
        # expired key itself), so an hourly sweep by whichever process serves keyed requests suffices.
        if self._next_purge_at is None or at >= self._next_purge_at:
            self._next_purge_at = at + PURGE_EVERY
            await self._store.purge(at - KEY_TTL)
