"""Observability ports: counters, exposition and health probes; implementations never raise."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol


class MetricsRecorderProtocol(Protocol):
    """Domain counters; implementations never raise."""

    def class_created(self) -> None: ...

    def student_created(self) -> None: ...

    def rows_imported(self, outcomes: Mapping[str, int]) -> None:
        """One roster import's rows by outcome (created, updated, unchanged, skipped, invalid)."""


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


class RelayMetricsProtocol(Protocol):
    """What the relay and the notifier record; implementations never raise."""

    def events_published(self, ack_latencies_s: Sequence[float]) -> None: ...

    def events_failed(self, count: int) -> None: ...

    def relay_batch(self, seconds: float) -> None: ...

    def notifications_failed(self, count: int) -> None: ...


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
