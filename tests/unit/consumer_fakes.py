"""Fakes of the ports the suggestions consumer and the timeout monitor talk to."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from uuid import UUID

from class_management_service.domain.association_decisions import (
    CompletedBatch,
    DecisionOutcome,
    DecisionRequest,
    IngestOutcome,
    TimeoutPolicy,
)
from class_management_service.domain.association_suggestions import SuggestedBatch
from class_management_service.domain.associations import AssociationBatch, BatchReview, EssayAssociation
from class_management_service.domain.consumed_messages import ConsumedMessage, DeadLetter
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.protocols import (
    AssociationRepositoryProtocol,
    ConsumerMetricsProtocol,
    DeadLetterStoreProtocol,
    EventsFor,
    MessageSourceProtocol,
    MonitorLeadershipProtocol,
)

TOPIC = "huleedu.batch.author.matches.suggested.v1"


async def eventually(check: Callable[[], bool], within_s: float = 10.0) -> None:
    """Until ``check`` holds; fails the test after ``within_s`` seconds."""
    deadline = time.monotonic() + within_s
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {within_s}s")
        await asyncio.sleep(0.001)


def message(partition: int, offset: int, value: bytes | None) -> ConsumedMessage:
    return ConsumedMessage(TOPIC, partition, offset, b"key", value)


class FakeMessageSource(MessageSourceProtocol):
    """Hands out prepared chunks one fetch at a time; records every commit."""

    def __init__(self, *chunks: Sequence[ConsumedMessage], partitions: tuple[int, ...] = (0, 1, 2)) -> None:
        self.chunks = list(chunks)
        self.partitions = partitions
        self.commits: list[dict[tuple[str, int], int]] = []
        self.start_failures = 0
        self.commit_failures = 0
        self.starts = 0
        self.is_closed = False
        self._is_started = False

    @property
    def is_started(self) -> bool:
        return self._is_started

    async def start(self) -> None:
        self.starts += 1
        if self.start_failures:
            self.start_failures -= 1
            raise ConnectionError("no broker")
        self._is_started = True

    async def fetch(self, timeout_s: float, max_messages: int) -> Sequence[ConsumedMessage]:
        del timeout_s, max_messages
        await asyncio.sleep(0)
        return self.chunks.pop(0) if self.chunks else []

    async def commit(self, offsets: Mapping[tuple[str, int], int]) -> None:
        if self.commit_failures:
            self.commit_failures -= 1
            raise ConnectionError("commit refused")
        self.commits.append(dict(offsets))

    def assigned_partitions(self) -> tuple[int, ...]:
        return self.partitions

    async def close(self) -> None:
        self.is_closed = True
        self._is_started = False

    def committed(self) -> dict[tuple[str, int], int]:
        merged: dict[tuple[str, int], int] = {}
        for commit in self.commits:
            merged.update(commit)
        return merged


class FakeAssociations(AssociationRepositoryProtocol):
    """Ingest with an inbox of event ids; fails ``failures`` times first, like a database outage."""

    def __init__(self, known_classes: Sequence[UUID] = ()) -> None:
        self.known_classes = set(known_classes)
        self.inbox: set[UUID] = set()
        self.stored: list[SuggestedBatch] = []
        self.events: list[OutboxEvent] = []
        self.failures = 0
        self.failure: Exception = ConnectionError("database down")
        self.failing_batches: set[str] = set()
        self.expired: list[CompletedBatch] = []
        self.scans: list[tuple[datetime, TimeoutPolicy]] = []

    async def ingest(self, batch: SuggestedBatch, events: EventsFor[IngestOutcome]) -> IngestOutcome:
        await asyncio.sleep(0)
        if self.failures:
            self.failures -= 1
            raise self.failure
        if batch.batch_id in self.failing_batches:
            raise ConnectionError("this batch's rows are locked up")
        if batch.event_id in self.inbox:
            return IngestOutcome(batch.batch_id, True, True, 0, 0, 0, None)
        self.inbox.add(batch.event_id)
        is_found = batch.class_id in self.known_classes
        if is_found:
            self.stored.append(batch)
        dropped = batch.unparsable_suggestions + (1 if is_found else 0)
        outcome = IngestOutcome(batch.batch_id, False, is_found, len(batch.essays), 0, dropped, None)
        self.events.extend(events(outcome))
        return outcome

    async def decide_expired(
        self, now: datetime, policy: TimeoutPolicy, events: EventsFor[CompletedBatch]
    ) -> Sequence[CompletedBatch]:
        self.scans.append((now, policy))
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database down")
        decided, self.expired = self.expired[: policy.batch_limit], self.expired[policy.batch_limit :]
        for completed in decided:
            self.events.extend(events(completed))
        return decided

    async def review(self, owner: str | None, batch_id: str) -> BatchReview:
        raise NotImplementedError

    async def reviews(self, batch_ids: Sequence[str]) -> Mapping[str, BatchReview]:
        raise NotImplementedError

    async def batches(self, batch_ids: Sequence[str]) -> Mapping[str, AssociationBatch]:
        raise NotImplementedError

    async def essay(self, essay_id: str) -> EssayAssociation:
        raise NotImplementedError

    async def decide(
        self,
        request: DecisionRequest,
        events: EventsFor[DecisionOutcome],
        *,
        key: IdempotentWrite[DecisionOutcome] | None = None,
    ) -> DecisionOutcome:
        raise NotImplementedError


class FakeDeadLetters(DeadLetterStoreProtocol):
    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []
        self.failures = 0
        self.failure: Exception = ConnectionError("database down")

    async def record(self, letter: DeadLetter) -> None:
        if self.failures:
            self.failures -= 1
            raise self.failure
        self.letters.append(letter)


class RecordingConsumerMetrics(ConsumerMetricsProtocol):
    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()
        self.is_leading = False

    def message_handled(self, outcome: str, seconds: float) -> None:
        del seconds
        self.counts[f"message:{outcome}"] += 1

    def essays_stored(self, stored: int, kept: int) -> None:
        del kept
        self.counts["essays_stored"] += stored

    def suggestions_dropped(self, count: int) -> None:
        self.counts["dropped"] += count

    def dead_lettered(self, kind: str) -> None:
        self.counts[f"dead_letter:{kind}"] += 1

    def database_failed(self) -> None:
        self.counts["database_failed"] += 1

    def commit_failed(self) -> None:
        self.counts["commit_failed"] += 1

    def batches_timed_out(self, count: int) -> None:
        self.counts["timed_out"] += count

    def timeout_scan_failed(self) -> None:
        self.counts["scan_failed"] += 1

    def monitor_leading(self, is_leading: bool) -> None:
        self.is_leading = is_leading


class FakeMonitorLeadership(MonitorLeadershipProtocol):
    def __init__(self, is_leader: bool = True) -> None:
        self.is_leader = is_leader
        self.released = 0

    async def acquire(self) -> bool:
        return self.is_leader

    async def release(self) -> None:
        self.released += 1
