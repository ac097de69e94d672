"""One relay batch: claim, publish, record every outcome; marking overlaps the next batch."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import structlog

from class_management_service.domain.backoff import Backoff
from class_management_service.protocols import (
    EventPublisherProtocol,
    NotificationPublisherProtocol,
    OutboxRecord,
    OutboxStoreProtocol,
    PublishFailure,
    RelayMetricsProtocol,
    RowFailure,
)

FINISH_TIMEOUT_S = 5.0

log = structlog.get_logger(__name__)


class RelayBatches:
    """Publishes batch after batch; a row is marked published only once Kafka acknowledged it.

    Marking the acknowledged rows of one batch runs while the next batch is claimed and sent:
    the next claim skips exactly those rows. Failures are recorded before the next claim, so a
    key whose row failed is already in backoff (and skipped whole) when the next batch is read.
    Rows Kafka acknowledged whose marking failed (the database went away) are remembered and
    marked before anything else is claimed, so an outage of the database alone re-sends nothing.
    """

    def __init__(
        self,
        store: OutboxStoreProtocol,
        publisher: EventPublisherProtocol,
        notifier: NotificationPublisherProtocol,
        metrics: RelayMetricsProtocol,
        backoff: Backoff,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._notifier = notifier
        self._metrics = metrics
        self._backoff = backoff
        self._marking: asyncio.Task[None] | None = None
        self._marking_ids: Sequence[int] = ()
        self._acked_unmarked: list[int] = []

    async def publish_batch(self, limit: int) -> tuple[int, bool]:
        """Claim up to ``limit`` rows and publish them: (rows claimed, broker healthy)."""
        await self._mark_acked_unmarked()
        records = await self._store.claim(limit, self._marking_ids)
        if not records:
            await self.finish()
            return 0, True
        started = time.perf_counter()
        outcomes = await self._publisher.publish(records)
        acked_at = datetime.now(UTC)
        acked = [record for record, outcome in zip(records, outcomes, strict=True) if outcome is None]
        failed = [(record, outcome) for record, outcome in zip(records, outcomes, strict=True) if outcome]
        if acked:
            self._metrics.events_published([(acked_at - r.occurred_at).total_seconds() for r in acked])
            self._notifier.notify(acked)
        try:
            await self.finish()
        except Exception:
            self._acked_unmarked.extend(record.id for record in acked)
            raise
        if failed:
            await self._record_failures(failed)
        if acked:
            self._mark_in_background([record.id for record in acked])
        self._metrics.relay_batch(time.perf_counter() - started)
        return len(records), not any(outcome.is_transient for _, outcome in failed)

    async def finish(self) -> None:
        """Wait for the last batch's marking; raises what marking raised (its rows are kept to mark)."""
        marking, self._marking = self._marking, None
        if marking is None:
            return
        try:
            await asyncio.wait_for(marking, FINISH_TIMEOUT_S)
        except Exception:
            self._acked_unmarked.extend(self._marking_ids)
            raise
        finally:
            self._marking_ids = ()

    async def _mark_acked_unmarked(self) -> None:
        if self._acked_unmarked:
            await self._store.mark_published(self._acked_unmarked)
            self._acked_unmarked = []

    def _mark_in_background(self, ids: Sequence[int]) -> None:
        self._marking_ids = ids
        self._marking = asyncio.create_task(self._store.mark_published(ids), name="outbox-mark")

    async def _record_failures(self, failed: Sequence[tuple[OutboxRecord, PublishFailure]]) -> None:
        failures = [
            RowFailure(
                record.id, outcome.error, timedelta(seconds=self._backoff.delay_for(record.attempts + 1))
            )
            for record, outcome in failed
        ]
        await self._store.mark_failed(failures)
        self._metrics.events_failed(len(failures))
        first, outcome = failed[0]
        log.warning("outbox_events_failed", count=len(failed), first_id=first.id, error=outcome.error)
