"""One transaction on a connection, run again when PostgreSQL aborted it to break a deadlock.

Row locks are taken in different orders by writes that meet rarely but can meet: a forced
student delete locks the student, then the batches naming them, while a decision or an ingest
holds a batch lock and waits on the same student (its foreign-key check). PostgreSQL breaks the
cycle by aborting one transaction. Run again at once, the victim can take the first lock back
before the survivor's backend, woken by the abort, has taken it, and the cycle forms again: so
it waits a short, growing, jittered moment first, and tries at most ``ATTEMPTS`` times.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

T = TypeVar("T")

ATTEMPTS = 3
BACKOFF_S = 0.05


async def in_transaction(
    connection: asyncpg.Connection,
    work: Callable[[asyncpg.Connection], Awaitable[T]],
    retry_on: tuple[type[BaseException], ...] = (),
) -> T:
    """``work`` inside a transaction; a deadlock victim (or ``retry_on``) is run again."""
    retried = (asyncpg.DeadlockDetectedError, *retry_on)
    for attempt in range(1, ATTEMPTS):
        try:
            async with connection.transaction():
                return await work(connection)
        except retried:
            await asyncio.sleep(random.uniform(0.5, 1.0) * BACKOFF_S * attempt)  # noqa: S311 - jitter, not secrets
    async with connection.transaction():
        return await work(connection)
