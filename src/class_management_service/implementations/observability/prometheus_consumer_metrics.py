"""The suggestions consumer's and the timeout monitor's series, on the relay's registry."""

from __future__ import annotations

from contextlib import suppress

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from class_management_service.protocols import ConsumerMetricsProtocol

# Storing one message spans a millisecond (a small batch) to a second (a large one, a slow disk).
_HANDLE_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class PrometheusConsumerMetrics(ConsumerMetricsProtocol):
    """Messages by outcome, essays stored, dropped candidates, dead letters, timeouts; never raises."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._messages = Counter(
            "cms_suggestions_messages_total",
            "Suggestions messages handled, by outcome (stored, replay, unknown_class, dead_letter)",
            ["outcome"],
            registry=self.registry,
        )
        self._handle_seconds = Histogram(
            "cms_suggestions_handle_seconds",
            "Parsing and storing one suggestions message (its transaction included)",
            buckets=_HANDLE_BUCKETS,
            registry=self.registry,
        )
        self._essays = Counter(
            "cms_suggestions_essays_total",
            "Essays of suggestions events: stored for review, or kept as they were (already decided)",
            ["result"],
            registry=self.registry,
        )
        self._dropped = Counter(
            "cms_suggestions_dropped_total",
            "Suggested students left out: not in the batch's class, or no student id of ours",
            registry=self.registry,
        )
        self._dead_letters = Counter(
            "cms_suggestions_dead_letters_total",
            "Messages recorded as dead letters, by kind of defect",
            ["kind"],
            registry=self.registry,
        )
        self._database_failures = Counter(
            "cms_suggestions_store_failures_total",
            "Failed attempts to store a message (retried with backoff; the message is never skipped)",
            registry=self.registry,
        )
        self._commit_failures = Counter(
            "cms_consumer_commit_failures_total",
            "Offset commits Kafka refused (the messages come again and are replays)",
            registry=self.registry,
        )
        self._timed_out = Counter(
            "cms_association_batches_timed_out_total",
            "Batches the timeout monitor decided",
            registry=self.registry,
        )
        self._scan_failures = Counter(
            "cms_association_timeout_scan_failures_total",
            "Timeout scans that failed (retried with backoff)",
            registry=self.registry,
        )
        self._monitor_leader = Gauge(
            "cms_association_timeout_monitor_leader",
            "1 while this process's timeout monitor holds the leadership",
            registry=self.registry,
        )

    def message_handled(self, outcome: str, seconds: float) -> None:
        with suppress(Exception):  # metrics must never stop the consumer
            self._messages.labels(outcome).inc()
            self._handle_seconds.observe(seconds)

    def essays_stored(self, stored: int, kept: int) -> None:
        with suppress(Exception):
            self._essays.labels("stored").inc(stored)
            self._essays.labels("kept").inc(kept)

    def suggestions_dropped(self, count: int) -> None:
        with suppress(Exception):
            self._dropped.inc(count)

    def dead_lettered(self, kind: str) -> None:
        with suppress(Exception):
            self._dead_letters.labels(kind).inc()

    def database_failed(self) -> None:
        with suppress(Exception):
            self._database_failures.inc()

    def commit_failed(self) -> None:
        with suppress(Exception):
            self._commit_failures.inc()

    def batches_timed_out(self, count: int) -> None:
        with suppress(Exception):
            self._timed_out.inc(count)

    def timeout_scan_failed(self) -> None:
        with suppress(Exception):
            self._scan_failures.inc()

    def monitor_leading(self, is_leading: bool) -> None:
        with suppress(Exception):
            self._monitor_leader.set(1.0 if is_leading else 0.0)
