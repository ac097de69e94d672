"""Teacher confirmations at a fixed rate through ``AsyncpgAssociationRepository.decide``.

Each request confirms every essay of a freshly ingested 30-essay batch (its top candidate), so
every call completes its batch and writes the confirmed event and the teacher's notification:
the heaviest decision there is. Requests start on a fixed schedule (open loop), whatever the
earlier ones are doing; the latency is the repository call's, the HTTP layer's share is not in it.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from class_management_service.domain.association_decisions import Decision, DecisionRequest
from class_management_service.domain.association_event_builders import decision_events
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.protocols import AssociationRepositoryProtocol

CONFIRM_RATE = 50
CONFIRM_SECONDS = 5
WARMUP = 10  # unmeasured first calls: each pooled connection prepares the statements once


async def confirm_latency(
    repository: AssociationRepositoryProtocol, batches: Sequence[SuggestedBatch], owner: str
) -> dict[str, Any]:
    """``CONFIRM_RATE`` confirmations a second for ``CONFIRM_SECONDS`` over stored ``batches``."""
    warmup, chosen = batches[:WARMUP], batches[WARMUP : WARMUP + CONFIRM_RATE * CONFIRM_SECONDS]
    latencies: list[float] = []

    async def confirm(batch: SuggestedBatch) -> None:
        decisions = tuple(Decision(e.essay_id, e.suggestions[0].student_id, True) for e in batch.essays)
        request = DecisionRequest(owner, batch.batch_id, decisions, datetime.now(UTC))
        started = time.perf_counter()
        outcome = await repository.decide(request, decision_events)
        latencies.append(time.perf_counter() - started)
        if outcome.completed is None:
            raise RuntimeError(f"confirming every essay of {batch.batch_id} did not complete it")

    # The ingest just left many dirty pages: written back now, not inside the timed run.
    await asyncio.to_thread(os.sync)
    await asyncio.gather(*(confirm(batch) for batch in warmup))
    latencies.clear()
    tasks = []
    start = time.monotonic()
    for number, batch in enumerate(chosen):
        await asyncio.sleep(max(0.0, start + number / CONFIRM_RATE - time.monotonic()))
        tasks.append(asyncio.create_task(confirm(batch)))
    await asyncio.gather(*tasks)
    latencies.sort()
    return {
        "rate": CONFIRM_RATE,
        "confirmations": len(latencies),
        "essays_per_batch": len(chosen[0].essays) if chosen else 0,
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000, 2),
        "max_ms": round(latencies[-1] * 1000, 2),
    }
