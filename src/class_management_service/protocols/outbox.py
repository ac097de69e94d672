"""Outbox ports: the backlog, the relay's store, and where the relay delivers events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from class_management_service.domain.outbox_records import (
    BrokerState,
    OutboxRecord,
    PublishFailure,
    RowFailure,
)


class OutboxStatsProtocol(Protocol):
    """Reads the outbox backlog for health checks and metrics."""

    async def pending(self) -> tuple[int, float | None]:
        """Number of unpublished rows and the age in seconds of the oldest one."""


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


class RelayStateProtocol(Protocol):
    """The relay as it runs in this process: whether it leads, and what it last saw of Kafka."""

    @property
    def is_leading(self) -> bool: ...

    @property
    def broker(self) -> BrokerState: ...
