"""The relay's Prometheus series: registered only where a relay runs, so no process shows zeros."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from class_management_service.protocols import (
    RelayMetricsProtocol,
    RelayObservabilityProtocol,
    RelayStateProtocol,
)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Commit→ack spans milliseconds when healthy and minutes after a broker outage.
_DELIVERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


class PrometheusRelayMetrics(RelayMetricsProtocol, RelayObservabilityProtocol):
    """Published/failed events, delivery latency, backlog and leadership; recording never raises.

    A process that runs no relay still builds one (the notifier and the relay's providers take
    it) on a registry nobody exposes.
    """

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._published = Counter(
            "cms_outbox_published_total", "Outbox events acknowledged by Kafka", registry=self.registry
        )
        self._failed = Counter(
            "cms_outbox_publish_failures_total",
            "Outbox events Kafka did not acknowledge (each is retried with backoff)",
            registry=self.registry,
        )
        self._ack_latency = Histogram(
            "cms_outbox_commit_to_ack_seconds",
            "From the event's occurrence (its commit) to Kafka's acknowledgement",
            buckets=_DELIVERY_BUCKETS,
            registry=self.registry,
        )
        self._batch_latency = Histogram(
            "cms_relay_batch_duration_seconds",
            "One relay batch: send it and wait for every acknowledgement",
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._notification_failures = Counter(
            "cms_redis_notification_failures_total",
            "Real-time notifications not delivered to Redis (best effort, not retried)",
            registry=self.registry,
        )
        self._outbox_pending = Gauge(
            "cms_outbox_pending", "Outbox rows not yet published", registry=self.registry
        )
        self._outbox_oldest_age = Gauge(
            "cms_outbox_oldest_pending_age_seconds",
            "Age of the oldest unpublished outbox row",
            registry=self.registry,
        )
        self._leader = Gauge(
            "cms_relay_leader", "1 while this process's relay holds the leadership", registry=self.registry
        )

    def events_published(self, ack_latencies_s: Sequence[float]) -> None:
        with suppress(Exception):  # metrics must never stop the relay
            self._published.inc(len(ack_latencies_s))
            for seconds in ack_latencies_s:
                self._ack_latency.observe(seconds)

    def events_failed(self, count: int) -> None:
        with suppress(Exception):  # metrics must never stop the relay
            self._failed.inc(count)

    def relay_batch(self, seconds: float) -> None:
        with suppress(Exception):  # metrics must never stop the relay
            self._batch_latency.observe(seconds)

    def notifications_failed(self, count: int) -> None:
        with suppress(Exception):  # metrics must never stop the relay
            self._notification_failures.inc(count)

    def record_outbox_backlog(self, pending: int, oldest_age_s: float | None) -> None:
        self._outbox_pending.set(pending)
        self._outbox_oldest_age.set(oldest_age_s or 0.0)

    def track_relay_state(self, state: RelayStateProtocol) -> None:
        """The leader gauge reads the relay's state at scrape time."""
        self._leader.set_function(lambda: 1.0 if state.is_leading else 0.0)

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
