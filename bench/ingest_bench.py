"""Suggestions ingested per second into PostgreSQL, beside a database ceiling measured in the same run.

For each batch size, ``concurrency`` ingesters (as consumers of several partitions would) call
``AsyncpgAssociationRepository.ingest`` with the real event builder on the production engine,
taking batches from one shared list built before the clock starts, until the list is used up or
the time is over. The ceiling then writes the same rows for a second list of the same size with
one prepared statement per batch (``ingest_data.CEILING_INSERT``) on raw asyncpg connections:
what PostgreSQL and the driver can do with no domain rules, reads or event building in the way.
Each run starts on emptied tables.

After the 30-essay ingest, the first of those batches are confirmed at a fixed rate
(``ingest_confirm``). ``python -m bench.ingest_bench`` runs it alone (services up; production
durability on, as in ``make bench``); ``bench.run`` runs it after the relay drain.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import asyncpg

from bench.environment import asyncpg_dsn, fresh_database, production_durability, services_env
from bench.ingest_confirm import confirm_latency
from bench.ingest_data import CEILING_INSERT, Roster, ceiling_arguments, seed_rosters, suggested_batch
from class_management_service.config import Settings
from class_management_service.di import create_engine
from class_management_service.domain.association_decisions import IngestOutcome
from class_management_service.domain.association_event_builders import suggestions_ready
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.associations import AssociationBatch, BatchReview
from class_management_service.implementations.postgres.association_repository import (
    AsyncpgAssociationRepository,
)

BATCH_SIZES = (30, 500)
CONFIRM_BATCH_SIZE = 30  # the confirm latency target is for a 30-essay batch
TARGET_ESSAYS_PER_S = 10_000
CLASSES = 20


def _batches(rosters: Sequence[Roster], size: int, essays: int, tag: str) -> list[SuggestedBatch]:
    rng = random.Random(f"{tag}-{size}")
    count = max(1, essays // size)
    return [suggested_batch(rosters[n % len(rosters)], size, f"{tag}-{size}-{n}", rng) for n in range(count)]


async def _drive(
    work: Iterator[SuggestedBatch],
    concurrency: int,
    duration_s: float,
    call: Callable[[Any], Awaitable[object]],
) -> dict[str, Any]:
    """``concurrency`` tasks calling ``call`` on the shared batches until none is left or time is up."""
    latencies: list[float] = []
    essays = 0
    deadline = time.monotonic() + duration_s

    async def worker() -> None:
        nonlocal essays
        for batch in work:
            started = time.perf_counter()
            await call(batch)
            latencies.append(time.perf_counter() - started)
            essays += len(batch.essays)
            if time.monotonic() > deadline:
                return

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "essays_per_s": round(essays / elapsed),
        "batches_per_s": round(len(latencies) / elapsed, 1),
        "essays": essays,
        "seconds": round(elapsed, 2),
        "batch_p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "batch_p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
    }


def _payload(batch: SuggestedBatch, owner: str) -> str:
    """The envelope the real builder makes for ``batch``, for the ceiling's outbox row."""
    stored = AssociationBatch(
        batch.batch_id, batch.class_id, "bench 0", "ENG5", owner, batch.correlation_id,
        batch.received_at, batch.deadline, None, False,
    )  # fmt: skip
    outcome = IngestOutcome(batch.batch_id, False, True, len(batch.essays), 0, 0, BatchReview(stored, ()))
    return suggestions_ready(outcome)[0].envelope_json


async def _repository_run(
    database_url: str, batches: list[SuggestedBatch], concurrency: int, duration_s: float, owner: str
) -> dict[str, Any]:
    """Ingest the batches; for 30-essay batches, then confirm the first ones at a fixed rate."""
    engine = create_engine(Settings(database_url=database_url))
    repository = AsyncpgAssociationRepository(engine)
    try:
        await repository.ingest(batches[0], suggestions_ready)  # connections opened, statements prepared

        async def ingest(batch: SuggestedBatch) -> object:
            return await repository.ingest(batch, suggestions_ready)

        result = await _drive(iter(batches[1:]), concurrency, duration_s, ingest)
        if len(batches[0].essays) == CONFIRM_BATCH_SIZE:
            print("ingest: confirmations at a fixed rate …", flush=True)
            result["confirm"] = await confirm_latency(repository, batches[1:], owner)
        return result
    finally:
        await engine.dispose()


async def _ceiling_run(
    dsn: str, batches: list[SuggestedBatch], owner: str, concurrency: int, duration_s: float
) -> dict[str, Any]:
    payload = _payload(batches[0], owner)
    prepared = {batch.batch_id: ceiling_arguments(batch, owner, payload) for batch in batches}
    async with asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency) as pool:

        async def insert(batch: SuggestedBatch) -> object:
            async with pool.acquire() as connection:
                return await connection.execute(CEILING_INSERT, *prepared[batch.batch_id])

        await insert(batches[0])
        return await _drive(iter(batches[1:]), concurrency, duration_s, insert)


async def _reset(dsn: str) -> None:
    """Both runs start from the same state: no batches, essays, inbox or outbox rows, and no dirty
    pages of the previous run left to write back inside this one."""
    connection = await asyncpg.connect(dsn)
    try:
        await connection.execute(
            "TRUNCATE association_batches, essay_student_associations, essay_match_suggestions, "
            "inbox_events, event_outbox"
        )
    finally:
        await connection.close()
    await asyncio.to_thread(os.sync)


async def measure_ingest(
    database_url: str, essays: int, concurrency: int, duration_s: float, sizes: Sequence[int] = BATCH_SIZES
) -> dict[str, Any]:
    """Essays per second for each batch size, through the repository and at the ceiling."""
    owner = f"bench-ingest-{uuid.uuid4().hex[:6]}"
    dsn = asyncpg_dsn(database_url)
    rosters = await seed_rosters(dsn, CLASSES, owner)
    results: dict[str, Any] = {"concurrency": concurrency, "candidates_per_essay": 3, "class_size": 30}
    for size in sizes:
        print(f"ingest: batches of {size} essays, {concurrency} ingesters …", flush=True)
        batches = _batches(rosters, size, essays, "repo")
        ceiling_batches = _batches(rosters, size, essays, "ceiling")
        # The prepared batches are the bench's own scaffolding (a consumer holds a few at a time):
        # frozen, so the cyclic collector does not walk them on every collection, as the service
        # freezes its start-up objects.
        gc.freeze()
        await _reset(dsn)
        repository = await _repository_run(database_url, batches, concurrency, duration_s, owner)
        await _reset(dsn)
        ceiling = await _ceiling_run(dsn, ceiling_batches, owner, concurrency, duration_s)
        del batches, ceiling_batches
        gc.unfreeze()
        ratio = (
            round(repository["essays_per_s"] / ceiling["essays_per_s"], 3)
            if ceiling["essays_per_s"]
            else None
        )
        results[f"batch_{size}"] = {"repository": repository, "ceiling": ceiling, "ratio_to_ceiling": ratio}
    return results


async def _main() -> None:
    services = services_env()
    async with production_durability(services), fresh_database(services, "ingest", keep=False) as url:
        print(json.dumps(await measure_ingest(url, essays=60_000, concurrency=4, duration_s=20), indent=2))


if __name__ == "__main__":
    asyncio.run(_main())
