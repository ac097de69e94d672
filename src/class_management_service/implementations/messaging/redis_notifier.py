"""Real-time side of the relay: each event Kafka acknowledged is pushed to ``ws:{user_id}``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import suppress

import orjson
import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from class_management_service.domain.events import NOTIFICATION_BY_TOPIC
from class_management_service.protocols import (
    NotificationPublisherProtocol,
    OutboxRecord,
    RelayMetricsProtocol,
)

QUEUED_BATCHES = 100
SEND_TIMEOUT_S = 2.0
CLOSE_TIMEOUT_S = 2.0

log = structlog.get_logger(__name__)


def create_redis_client(url: str) -> Redis:
    """A client that fails fast: a Redis outage must cost the relay nothing but a counter.

    Its callers bound every exchange with one timeout of their own (a notification batch here,
    a PING in the health check), so the client sets no per-read socket timeout: redis-py would
    arm a timer for each reply, one per event of a batch.
    """
    return Redis.from_url(
        url,
        socket_connect_timeout=1.0,
        socket_timeout=None,
        retry=Retry(NoBackoff(), retries=1),
    )


def channel_for(record: OutboxRecord) -> str:
    return f"ws:{record.user_id}"


def notification_message(record: OutboxRecord) -> bytes:
    """The websocket service's shape: ``{"event": "student_updated", "data": {...}}``."""
    data = orjson.loads(record.payload)["data"]
    return orjson.dumps({"event": NOTIFICATION_BY_TOPIC[record.topic], "data": data})


class RedisNotificationPublisher(NotificationPublisherProtocol):
    """Publishes notifications from a queue of its own, so Redis never slows Kafka delivery.

    One worker sends the batches in the order the relay handed them over, each as one pipeline.
    A batch that fails, or does not fit in the queue, is counted and dropped (best effort).
    """

    def __init__(self, client: Redis, metrics: RelayMetricsProtocol) -> None:
        self._client = client
        self._metrics = metrics
        self._queue: asyncio.Queue[Sequence[OutboxRecord]] = asyncio.Queue(QUEUED_BATCHES)
        self._worker: asyncio.Task[None] | None = None
        self._is_failing = False

    def notify(self, records: Sequence[OutboxRecord]) -> None:
        records = [record for record in records if record.topic in NOTIFICATION_BY_TOPIC]
        if not records:
            return
        if self._worker is None:
            self._worker = asyncio.create_task(self._run(), name="redis-notifier")
        try:
            self._queue.put_nowait(records)
        except asyncio.QueueFull:
            self._metrics.notifications_failed(len(records))

    async def close(self) -> None:
        """Give queued notifications a moment to go out, then stop the worker."""
        worker, self._worker = self._worker, None
        if worker is None:
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(self._queue.join(), CLOSE_TIMEOUT_S)
        worker.cancel()
        with suppress(asyncio.CancelledError):
            await worker

    async def _run(self) -> None:
        while True:
            records = await self._queue.get()
            try:
                await self._send(records)
            finally:
                self._queue.task_done()

    async def _send(self, records: Sequence[OutboxRecord]) -> None:
        try:
            async with asyncio.timeout(SEND_TIMEOUT_S):
                pipeline = self._client.pipeline(transaction=False)
                for record in records:
                    pipeline.publish(channel_for(record), notification_message(record))
                await pipeline.execute()
        except Exception as error:  # noqa: BLE001 - best effort: count, log once per outage
            self._metrics.notifications_failed(len(records))
            if not self._is_failing:
                log.warning("redis_notifications_failing", error=type(error).__name__)
            self._is_failing = True
            return
        if self._is_failing:
            log.info("redis_notifications_resumed")
        self._is_failing = False


class DisabledNotificationPublisher(NotificationPublisherProtocol):
    """No ``REDIS_URL``: nobody listens in real time, so there is nothing to send."""

    def notify(self, records: Sequence[OutboxRecord]) -> None:  # noqa: ARG002 - nothing to send
        return None

    async def close(self) -> None:
        return None
