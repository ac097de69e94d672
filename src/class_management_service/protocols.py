"""Ports: what services need from the outside world, typed with domain objects only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol, TypeVar
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
from class_management_service.domain.consumed_messages import ConsumedMessage, ConsumerState, DeadLetter
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.idempotency import IdempotencyClaim, IdempotentWrite, StoredKey
from class_management_service.domain.models import (
    ClassChanges,
    DeletedClass,
    DeletedStudent,
    NewClass,
    NewStudent,
    Page,
    PageRequest,
    RosterEntry,
    SchoolClass,
    Student,
    StudentChanges,
    StudentFilter,
    StudentUpdate,
)

# The relay's records, re-exported: the ports below speak them, and so do their users.
from class_management_service.domain.outbox_records import BrokerState as BrokerState  # noqa: PLC0414
from class_management_service.domain.outbox_records import OutboxRecord as OutboxRecord  # noqa: PLC0414
from class_management_service.domain.outbox_records import PublishFailure as PublishFailure  # noqa: PLC0414
from class_management_service.domain.outbox_records import RowFailure as RowFailure  # noqa: PLC0414
from class_management_service.domain.preconditions import IfMatch

T_contra = TypeVar("T_contra", contravariant=True)


class EventsFor(Protocol[T_contra]):
    """Builds the outbox events for a write's outcome; called inside the write's transaction."""

    def __call__(self, outcome: T_contra, /) -> Sequence[OutboxEvent]: ...


class ClassRepositoryProtocol(Protocol):
    """Stores classes; every method is scoped to the owning teacher."""

    async def create(
        self,
        new: NewClass,
        events: EventsFor[SchoolClass],
        *,
        key: IdempotentWrite[SchoolClass] | None = None,
    ) -> SchoolClass:
        """``key``, when given, is completed with the response in the create's transaction."""

    async def get(self, owner: str, class_id: UUID) -> SchoolClass: ...

    async def list(self, owner: str, page: PageRequest) -> Page[SchoolClass]: ...

    async def update(
        self,
        owner: str,
        class_id: UUID,
        changes: ClassChanges,
        events: EventsFor[SchoolClass],
        *,
        if_match: IfMatch | None = None,
    ) -> SchoolClass:
        """PreconditionFailedError when ``if_match`` does not hold the current version (checked
        under the write's lock, before anything else: a stale tag fails even for an update that
        would change nothing); a missing class is ClassNotFoundError either way. An update that
        changes nothing (``domain.updates``) writes nothing and asks no events."""

    async def delete(
        self,
        owner: str,
        class_id: UUID,
        events: EventsFor[DeletedClass],
        *,
        at: datetime,
        force: bool = False,
        if_match: IfMatch | None = None,
    ) -> DeletedClass:
        """``if_match`` as for ``update``. Raises PendingValidationsError while essays of the class
        await a decision, unless ``force``: then those essays are rejected (method ``human``, by
        ``owner``, at ``at``, the caller's clock time of the delete) and each batch this completes
        (``completed_at`` = ``at``) is in ``DeletedClass.completed_batches``, in the same transaction."""

    async def roster(self, class_id: UUID, owner: str | None) -> Sequence[RosterEntry]:
        """Students of a class by last, first name; ``owner=None`` is a trusted internal caller."""


class StudentRepositoryProtocol(Protocol):
    """Stores students and their class memberships; every method is scoped to the owner."""

    async def create(
        self, new: NewStudent, events: EventsFor[Student], *, key: IdempotentWrite[Student] | None = None
    ) -> Student:
        """``key``, when given, is completed with the response in the create's transaction."""

    async def get(self, owner: str, student_id: UUID) -> Student: ...

    async def list(self, owner: str, page: PageRequest, where: StudentFilter) -> Page[Student]: ...

    async def update(
        self,
        owner: str,
        student_id: UUID,
        changes: StudentChanges,
        events: EventsFor[StudentUpdate],
        *,
        if_match: IfMatch | None = None,
    ) -> StudentUpdate:
        """``if_match`` as for classes: PreconditionFailedError when the version is not current,
        checked first. Names merge as ``domain.updates.merged_names`` decides; every class added or
        removed that the student is not in must be the owner's (ClassNotFoundError naming them,
        nothing written); an update that changes nothing writes nothing and asks no events."""

    async def delete(
        self,
        owner: str,
        student_id: UUID,
        events: EventsFor[DeletedStudent],
        *,
        at: datetime,
        force: bool = False,
        if_match: IfMatch | None = None,
    ) -> DeletedStudent:
        """``if_match`` as for ``update``. Raises PendingValidationsError while a pending essay
        lists the student as a candidate, unless ``force``: then those essays are rejected at
        ``at``, as for a class."""


class AssociationRepositoryProtocol(Protocol):
    """Essay→student associations: NLP's suggestions, decisions, and the batches they form.

    Every write runs in one transaction with its outbox events; ``events`` is called inside it.
    """

    async def ingest(self, batch: SuggestedBatch, events: EventsFor[IngestOutcome]) -> IngestOutcome:
        """Store a suggestions event exactly once (its ``event_id`` goes to the inbox table).

        Candidates not in the class are dropped and counted; a class that does not exist stores
        nothing (``is_class_found=False``) but still records the event id. Essays already in
        the batch are replaced only while pending; a completed batch is left as it is.
        """

    async def review(self, owner: str | None, batch_id: str) -> BatchReview:
        """The batch with every essay; ``owner=None`` is a trusted internal caller.

        BatchNotFoundError for an unknown batch or another teacher's.
        """

    async def reviews(self, batch_ids: Sequence[str]) -> Mapping[str, BatchReview]:
        """Internal: the batches that exist among ``batch_ids``, with their essays."""

    async def batches(self, batch_ids: Sequence[str]) -> Mapping[str, AssociationBatch]:
        """Internal: the batches that exist among ``batch_ids``, without essays (one cheap query)."""

    async def essay(self, essay_id: str) -> EssayAssociation:
        """Internal: one essay's association, with the decided student's names; EssayNotFoundError."""

    async def decide(
        self,
        request: DecisionRequest,
        events: EventsFor[DecisionOutcome],
        *,
        key: IdempotentWrite[DecisionOutcome] | None = None,
    ) -> DecisionOutcome:
        """Apply a teacher's decisions under the batch's row lock (see ``domain.matching``).

        Repeating a decision changes nothing; changing a decided essay is AssociationConflictError;
        an essay outside the batch is EssayNotFoundError; a student outside the class is
        StudentNotInClassError. Nothing is written when any decision is refused. ``key``, when
        given, is completed with the response in the same transaction.
        """

    async def decide_expired(
        self, now: datetime, policy: TimeoutPolicy, events: EventsFor[CompletedBatch]
    ) -> Sequence[CompletedBatch]:
        """Decide up to ``policy.batch_limit`` open batches whose deadline passed, one transaction each.

        Essays without a confident candidate go to the class's placeholder student, created once
        and enrolled in the class, again if the teacher took it out: its essays stay on the roster."""


class IdempotencyStoreProtocol(Protocol):
    """Claims a teacher's ``Idempotency-Key``; the write that follows completes it in its own transaction."""

    async def claim(self, claim: IdempotencyClaim) -> StoredKey | None:
        """None when this request now holds the key (new, expired, or an abandoned claim past its
        lease); otherwise the key as stored, for ``domain.idempotency.replay`` to judge."""

    async def release(self, claim: IdempotencyClaim) -> None:
        """Forget this request's claim after its write failed, so a retry runs afresh."""

    async def purge(self, older_than: datetime) -> int:
        """Delete keys created before ``older_than``; returns how many."""


class DeadLetterStoreProtocol(Protocol):
    """Keeps consumed messages that could not be used, so nothing is lost silently."""

    async def record(self, letter: DeadLetter) -> None: ...


class OutboxStatsProtocol(Protocol):
    """Reads the outbox backlog for health checks and metrics."""

    async def pending(self) -> tuple[int, float | None]:
        """Number of unpublished rows and the age in seconds of the oldest one."""


class ClockProtocol(Protocol):
    """The current time; injected so tests can pin it."""

    def now(self) -> datetime: ...


class MetricsRecorderProtocol(Protocol):
    """Domain counters; implementations never raise."""

    def class_created(self) -> None: ...

    def student_created(self) -> None: ...


class RelayObservabilityProtocol(Protocol):
    """What the relay process's status endpoint records at scrape time and exposes."""

    def record_outbox_backlog(self, pending: int, oldest_age_s: float | None) -> None: ...

    def render(self) -> tuple[bytes, str]:
        """The exposition body and its content type."""


class ObservabilityProtocol(RelayObservabilityProtocol, Protocol):
    """What the HTTP layer records and exposes: request metrics, and the backlog where it relays."""

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None: ...

    @property
    def exposes_outbox_backlog(self) -> bool:
        """Whether this process publishes the outbox (it owns the backlog gauges)."""


class HealthProbeProtocol(Protocol):
    """Answers whether one dependency is reachable right now; ``None`` means not configured."""

    @property
    def name(self) -> str: ...

    async def is_healthy(self) -> bool | None: ...


class OutboxStoreProtocol(Protocol):
    """The relay's view of the outbox table: claim in publish order, then record the outcome."""

    async def claim(self, limit: int, skip_ids: Sequence[int] = ()) -> Sequence[OutboxRecord]:
        """Unpublished rows by id, skipping every key with a row in backoff, and ``skip_ids``."""

    async def mark_published(self, ids: Sequence[int]) -> None: ...

    async def mark_failed(self, failures: Sequence[RowFailure]) -> None: ...

    async def purge_published(self, older_than: timedelta) -> int: ...


class EventPublisherProtocol(Protocol):
    """Ships outbox records to the durable event log; start() is retried by the relay."""

    @property
    def is_started(self) -> bool: ...

    async def start(self) -> None: ...

    async def publish(self, records: Sequence[OutboxRecord]) -> list[PublishFailure | None]:
        """One outcome per record, in order: ``None`` once the broker acknowledged it."""

    async def close(self) -> None: ...


class NotificationPublisherProtocol(Protocol):
    """Tells the teacher's open browser tabs about published events; best effort, never blocks."""

    def notify(self, records: Sequence[OutboxRecord]) -> None: ...

    async def close(self) -> None: ...


class LeadershipProtocol(Protocol):
    """Lets one process of a deployment at a time do a job that must not run twice at once."""

    async def acquire(self) -> bool:
        """True while this process leads; cheap to call before every round of the job."""

    async def release(self) -> None: ...


class RelayLeadershipProtocol(LeadershipProtocol, Protocol):
    """Lets one relay at a time publish, and wakes it when new outbox rows commit."""

    @property
    def rows_committed(self) -> asyncio.Event: ...


class MonitorLeadershipProtocol(LeadershipProtocol, Protocol):
    """The association timeout monitor's own lock: it may lead on another replica than the relay."""


class RelayMetricsProtocol(Protocol):
    """What the relay and the notifier record; implementations never raise."""

    def events_published(self, ack_latencies_s: Sequence[float]) -> None: ...

    def events_failed(self, count: int) -> None: ...

    def relay_batch(self, seconds: float) -> None: ...

    def notifications_failed(self, count: int) -> None: ...


class RelayStateProtocol(Protocol):
    """The relay as it runs in this process: whether it leads, and what it last saw of Kafka."""

    @property
    def is_leading(self) -> bool: ...

    @property
    def broker(self) -> BrokerState: ...


class MessageSourceProtocol(Protocol):
    """A consumer group's share of a topic: messages in partition order, offsets committed on demand."""

    @property
    def is_started(self) -> bool: ...

    async def start(self) -> None:
        """Join the group; raises while the broker is unreachable (the caller backs off)."""

    async def fetch(self, timeout_s: float, max_messages: int) -> Sequence[ConsumedMessage]:
        """What arrived within ``timeout_s`` (possibly nothing), each partition's messages in order."""

    async def commit(self, offsets: Mapping[tuple[str, int], int]) -> None:
        """Record, per (topic, partition), the offset of the next message to read."""

    def assigned_partitions(self) -> tuple[int, ...]: ...

    async def close(self) -> None: ...


class ConsumerStateProtocol(Protocol):
    """The suggestions consumer as it runs in this process, for the relay process's /healthz."""

    @property
    def state(self) -> ConsumerState: ...


class ConsumerMetricsProtocol(Protocol):
    """What the suggestions consumer and the timeout monitor record; implementations never raise."""

    def message_handled(self, outcome: str, seconds: float) -> None:
        """``outcome``: stored, replay, unknown_class or dead_letter."""

    def essays_stored(self, stored: int, kept: int) -> None: ...

    def suggestions_dropped(self, count: int) -> None: ...

    def dead_lettered(self, kind: str) -> None: ...

    def database_failed(self) -> None: ...

    def commit_failed(self) -> None: ...

    def batches_timed_out(self, count: int) -> None: ...

    def timeout_scan_failed(self) -> None: ...

    def monitor_leading(self, is_leading: bool) -> None: ...


IdFactory = Callable[[], UUID]
