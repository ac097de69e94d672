"""In-memory fakes of the ports, for unit tests of the services and the relay.

The repositories are the real in-memory ones (contract-tested against SQLite and PostgreSQL),
wrapped to remember what the services asked of them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID

from class_management_service.domain.idempotency import IdempotentWrite
from class_management_service.domain.models import (
    ClassChanges,
    DeletedStudent,
    NewClass,
    NewStudent,
    SchoolClass,
    Student,
    StudentChanges,
    StudentUpdate,
)
from class_management_service.domain.preconditions import IfMatch
from class_management_service.implementations.memory.class_repository import InMemoryClassRepository
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.implementations.memory.student_repository import InMemoryStudentRepository
from class_management_service.protocols import (
    ClockProtocol,
    EventPublisherProtocol,
    EventsFor,
    MetricsRecorderProtocol,
    NotificationPublisherProtocol,
    OutboxRecord,
    OutboxStoreProtocol,
    PublishFailure,
    RelayLeadershipProtocol,
    RelayMetricsProtocol,
    RowFailure,
)


class FakeClock(ClockProtocol):
    """Stands still until a test moves it."""

    def __init__(self, at: datetime = datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def advance(self, by: timedelta) -> None:
        self.at += by


class CountingMetrics(MetricsRecorderProtocol):
    def __init__(self) -> None:
        self.classes_created = 0
        self.students_created = 0
        self.imported_rows: dict[str, int] = {}

    def class_created(self) -> None:
        self.classes_created += 1

    def student_created(self) -> None:
        self.students_created += 1

    def rows_imported(self, outcomes: Mapping[str, int]) -> None:
        self.students_created += outcomes.get("created", 0)
        for outcome, count in outcomes.items():
            self.imported_rows[outcome] = self.imported_rows.get(outcome, 0) + count


def sequential_ids() -> Iterator[UUID]:
    """Predictable ids: 00000000-0000-4000-8000-000000000001, ...02, ..."""
    n = 0
    while True:
        n += 1
        yield UUID(f"00000000-0000-4000-8000-{n:012d}")


class RecordingClasses(InMemoryClassRepository):
    """The in-memory class repository, remembering what it was asked to write."""

    def __init__(self, store: InMemoryStore) -> None:
        super().__init__(store)
        self.created: list[NewClass] = []
        self.changes: list[ClassChanges] = []

    async def create(
        self,
        new: NewClass,
        events: EventsFor[SchoolClass],
        *,
        key: IdempotentWrite[SchoolClass] | None = None,
    ) -> SchoolClass:
        self.created.append(new)
        return await super().create(new, events, key=key)

    async def update(
        self,
        owner: str,
        class_id: UUID,
        changes: ClassChanges,
        events: EventsFor[SchoolClass],
        *,
        if_match: IfMatch | None = None,
    ) -> SchoolClass:
        self.changes.append(changes)
        return await super().update(owner, class_id, changes, events, if_match=if_match)


class RecordingStudents(InMemoryStudentRepository):
    """The in-memory student repository, remembering what it was asked to write."""

    def __init__(self, store: InMemoryStore) -> None:
        super().__init__(store)
        self.created: list[NewStudent] = []
        self.changes: list[StudentChanges] = []
        self.deleted: list[DeletedStudent] = []

    async def create(
        self, new: NewStudent, events: EventsFor[Student], *, key: IdempotentWrite[Student] | None = None
    ) -> Student:
        self.created.append(new)
        return await super().create(new, events, key=key)

    async def update(
        self,
        owner: str,
        student_id: UUID,
        changes: StudentChanges,
        events: EventsFor[StudentUpdate],
        *,
        if_match: IfMatch | None = None,
    ) -> StudentUpdate:
        self.changes.append(changes)
        return await super().update(owner, student_id, changes, events, if_match=if_match)


def record(row_id: int, key: str = "k", attempts: int = 0) -> OutboxRecord:
    return OutboxRecord(
        id=row_id,
        event_id=uuid.uuid4(),
        topic="huleedu.class.updated.v1",
        key=key,
        user_id="teacher",
        correlation_id=uuid.uuid4(),
        payload="{}",
        occurred_at=datetime.now(UTC) - timedelta(seconds=1),
        attempts=attempts,
    )


class FakeStore(OutboxStoreProtocol):
    """Hands out whatever the test queued, oldest first, and remembers the outcomes."""

    def __init__(self, *records: OutboxRecord) -> None:
        self.queue = list(records)
        self.published: list[int] = []
        self.failed: list[RowFailure] = []
        self.purges: list[timedelta] = []
        self.claims = 0
        self.skipped: list[list[int]] = []
        self.has_claimed = asyncio.Event()

    async def claim(self, limit: int, skip_ids: Sequence[int] = ()) -> Sequence[OutboxRecord]:
        self.claims += 1
        self.skipped.append(list(skip_ids))
        self.has_claimed.set()
        batch, self.queue = self.queue[:limit], self.queue[limit:]
        return batch

    async def mark_published(self, ids: Sequence[int]) -> None:
        self.published.extend(ids)

    async def mark_failed(self, failures: Sequence[RowFailure]) -> None:
        self.failed.extend(failures)

    async def purge_published(self, older_than: timedelta) -> int:
        self.purges.append(older_than)
        return 0


class FakePublisher(EventPublisherProtocol):
    """Acknowledges everything except the outcomes planned per row id; can refuse to start."""

    def __init__(self, outcomes: dict[int, PublishFailure] | None = None, is_reachable: bool = True) -> None:
        self.outcomes = outcomes or {}
        self.is_reachable = is_reachable
        self.starts = 0
        self._is_started = False

    @property
    def is_started(self) -> bool:
        return self._is_started

    async def start(self) -> None:
        self.starts += 1
        if not self.is_reachable:
            raise ConnectionRefusedError("broker down")
        self._is_started = True

    async def publish(self, records: Sequence[OutboxRecord]) -> list[PublishFailure | None]:
        return [self.outcomes.get(r.id) for r in records]

    async def close(self) -> None:
        self._is_started = False


class FakeNotifier(NotificationPublisherProtocol):
    def __init__(self) -> None:
        self.notified: list[int] = []

    def notify(self, records: Sequence[OutboxRecord]) -> None:
        self.notified.extend(r.id for r in records)

    async def close(self) -> None:
        return None


class FakeLeadership(RelayLeadershipProtocol):
    def __init__(self) -> None:
        self._rows_committed = asyncio.Event()

    @property
    def rows_committed(self) -> asyncio.Event:
        return self._rows_committed

    async def acquire(self) -> bool:
        return True

    async def release(self) -> None:
        return None


class FakeMetrics(RelayMetricsProtocol):
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.failed = 0
        self.batches: list[float] = []
        self.notification_failures = 0

    def events_published(self, ack_latencies_s: Sequence[float]) -> None:
        self.latencies.extend(ack_latencies_s)

    def events_failed(self, count: int) -> None:
        self.failed += count

    def relay_batch(self, seconds: float) -> None:
        self.batches.append(seconds)

    def notifications_failed(self, count: int) -> None:
        self.notification_failures += count
