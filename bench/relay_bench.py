"""The relay under load: commit→Kafka latency during a write scenario, and backlog drain throughput."""

from __future__ import annotations

import asyncio
import contextlib
import json
import statistics
import time
from datetime import datetime

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

_LOG_APPEND_TIME = 1


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(fraction * len(ordered)))], 1)


def _event_time_ms(value: bytes) -> float:
    envelope = json.loads(value)
    return datetime.fromisoformat(envelope["event_timestamp"]).timestamp() * 1000


class CommitToAckProbe:
    """Reads a topic from its end while a scenario runs, comparing each message with its envelope.

    The envelope's ``event_timestamp`` is stamped when the service builds the change, before it
    takes a pooled connection: unsaturated that is just before the commit, saturated it adds the
    request's wait for a connection and its statement. The Kafka timestamp is the producer's send
    time (CreateTime) or the broker's append time (LogAppendTime). Receive time gives an upper
    bound that includes the consumer's own fetch delay.
    """

    def __init__(self, bootstrap_servers: str, topic: str) -> None:
        self._topic = topic
        # No group: the consumer is assigned every partition of the topic and commits nothing.
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
            fetch_max_wait_ms=20,
        )
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
            event_ms = _event_time_ms(message.value)
            if event_ms < self._started_ms:
                continue  # committed before the scenario: backlog, not this load
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
        return self._summary(expected)

    def _summary(self, expected: int) -> dict[str, object]:
        if not self._kafka_ms:
            return {"messages": 0, "expected": expected, "note": "no event reached Kafka during the run"}
        kind = "LogAppendTime" if self._timestamp_types == {_LOG_APPEND_TIME} else "CreateTime"
        return {
            "messages": len(self._kafka_ms),
            "expected": expected,
            "kafka_timestamp": kind,
            "p50_ms": _percentile(self._kafka_ms, 0.50),
            "p99_ms": _percentile(self._kafka_ms, 0.99),
            "mean_ms": round(statistics.fmean(self._kafka_ms), 1),
            "consumed_p50_ms": _percentile(self._received_ms, 0.50),
            "consumed_p99_ms": _percentile(self._received_ms, 0.99),
        }
