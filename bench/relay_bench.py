"""The relay under load: commit→Kafka latency during a write scenario, and backlog drain throughput."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
import uuid
from datetime import datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

_LOG_APPEND_TIME = 1
_MARKING_GRACE_S = 0.5


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def _event_of(value: bytes) -> tuple[uuid.UUID, float]:
    """The envelope's event id and its ``event_timestamp`` in epoch milliseconds."""
    envelope = json.loads(value)
    stamped = datetime.fromisoformat(envelope["event_timestamp"])
    return uuid.UUID(envelope["event_id"]), stamped.timestamp() * 1000


# Milliseconds from each row's commit (its statement's start) to the relay's marking after the ack.
_COMMIT_TO_ACK_SQL = """
SELECT extract(epoch FROM published_at - created_at)::float8 * 1000
FROM event_outbox WHERE event_id = ANY($1::uuid[]) AND published_at IS NOT NULL"""


class CommitToAckProbe:
    """Reads a topic from its end while a scenario runs, and times each event it sees.

    Commit→ack comes from the outbox row, on PostgreSQL's clock at both ends: ``created_at`` is
    the start of the writing statement (the service's writes are one autocommit statement, or a
    short transaction whose last statement inserts the outbox rows), ``published_at`` the start
    of the relay's marking, which follows Kafka's acknowledgement. So the request's wait for the
    event loop and for a pooled connection before its statement is not counted, as it would be
    from the envelope's ``event_timestamp``, stamped when the service builds the change (under
    saturation that wait was most of the figure). From the envelope stamp the probe also reports
    the Kafka timestamp (the producer's send time, CreateTime, or the broker's LogAppendTime)
    and the receive time, an upper bound that includes the consumer's own fetch delay.
    """

    def __init__(self, bootstrap_servers: str, topic: str, dsn: str) -> None:
        self._topic = topic
        self._dsn = dsn
        # No group: the consumer is assigned every partition of the topic and commits nothing.
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            fetch_max_wait_ms=20,
        )
        self._event_ids: list[uuid.UUID] = []
        self._kafka_ms: list[float] = []
        self._received_ms: list[float] = []
        self._timestamp_types: set[int] = set()
        self._task: asyncio.Task[None] | None = None
        self._started_ms = 0.0
        self._expected: int | None = None
        self._has_all = asyncio.Event()

    async def start(self) -> bool:
        """False when Kafka is unreachable or the topic does not exist yet (nothing was published)."""
        try:
            await self._consumer.start()
        except KafkaError:
            await self._consumer.stop()
            return False
        # Listing topics never creates one (subscribing would, with auto-create on).
        if self._topic not in await self._consumer.topics():
            await self._consumer.stop()
            return False
        self._consumer.subscribe([self._topic])
        assigned = await self._assignment(timeout_s=10.0)
        if not assigned:
            await self._consumer.stop()
            return False
        await self._consumer.seek_to_end(*assigned)
        for partition in assigned:
            await self._consumer.position(partition)  # resolve "end" now, before the load starts
        self._started_ms = time.time() * 1000
        self._task = asyncio.create_task(self._collect())
        return True

    async def _assignment(self, timeout_s: float) -> set[TopicPartition]:
        """The partitions arrive with the first metadata response; none means no such topic."""
        deadline = time.monotonic() + timeout_s
        while not (assigned := self._consumer.assignment()) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)  # aiokafka offers no event for "assignment ready"
        return set(assigned)

    async def _collect(self) -> None:
        async for message in self._consumer:
            received_ms = time.time() * 1000
            event_id, event_ms = _event_of(message.value)
            if event_ms < self._started_ms:
                continue  # committed before the scenario: backlog, not this load
            self._event_ids.append(event_id)
            self._kafka_ms.append(message.timestamp - event_ms)
            self._received_ms.append(received_ms - event_ms)
            self._timestamp_types.add(message.timestamp_type)
            self._note_progress()

    def _note_progress(self) -> None:
        if self._expected is not None and len(self._kafka_ms) >= self._expected:
            self._has_all.set()

    async def stop(self, expected: int, timeout_s: float) -> dict[str, object]:
        """Wait (bounded) for the relay to catch up to ``expected`` messages, then summarise."""
        self._expected = expected
        self._note_progress()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._has_all.wait(), timeout_s)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()
        return self._summary(expected, await self._commit_to_ack_ms())

    async def _commit_to_ack_ms(self) -> list[float]:
        """The rows of the events seen; the last batch's marking may still be running, so wait for it."""
        if not self._event_ids:
            return []
        await asyncio.sleep(_MARKING_GRACE_S)
        connection = await asyncpg.connect(self._dsn)
        try:
            rows = await connection.fetch(_COMMIT_TO_ACK_SQL, self._event_ids)
        finally:
            await connection.close()
        return [row[0] for row in rows]

    def _summary(self, expected: int, commit_to_ack_ms: list[float]) -> dict[str, object]:
        if not self._kafka_ms:
            return {"messages": 0, "expected": expected, "note": "no event reached Kafka during the run"}
        kind = "LogAppendTime" if self._timestamp_types == {_LOG_APPEND_TIME} else "CreateTime"
        summary: dict[str, object] = {"messages": len(self._kafka_ms), "expected": expected}
        if commit_to_ack_ms:
            summary |= {
                "rows_timed": len(commit_to_ack_ms),
                "p50_ms": _percentile(commit_to_ack_ms, 0.50),
                "p99_ms": _percentile(commit_to_ack_ms, 0.99),
                "mean_ms": round(statistics.fmean(commit_to_ack_ms), 1),
            }
        return summary | {
            "kafka_timestamp": kind,
            "stamped_to_kafka_p50_ms": _percentile(self._kafka_ms, 0.50),
            "stamped_to_kafka_p99_ms": _percentile(self._kafka_ms, 0.99),
            "consumed_p50_ms": _percentile(self._received_ms, 0.50),
            "consumed_p99_ms": _percentile(self._received_ms, 0.99),
        }
