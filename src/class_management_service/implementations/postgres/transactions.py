"""One transaction on a connection, run again once when PostgreSQL aborted it to break a deadlock.

Row locks are taken in different orders by writes that meet rarely but can meet: a forced
student delete locks the student, then the batches naming them, while a decision or an ingest
holds a batch lock and waits on the same student (its foreign-key check). PostgreSQL breaks the
cycle by aborting one transaction; run again, that one finds the other committed and proceeds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg

T = TypeVar("T")

ATTEMPTS = 2


async def in_transaction(
    connection: asyncpg.Connection,
    work: Callable[[asyncpg.Connection], Awaitable[T]],
    retry_on: tuple[type[BaseException], ...] = (),
) -> T:
    """``work`` inside a transaction; a deadlock victim (or ``retry_on``) gets one more attempt."""
    retried = (asyncpg.DeadlockDetectedError, *retry_on)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with connection.transaction():
                return await work(connection)
        except retried:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")
