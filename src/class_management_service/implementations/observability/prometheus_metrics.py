"""Prometheus collectors in a registry of their own (one per app, so tests can build many apps)."""

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
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.protocols import (
    MetricsRecorderProtocol,
    ObservabilityProtocol,
    RelayMetricsProtocol,
)

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Commit→ack spans milliseconds when healthy and minutes after a broker outage.
_DELIVERY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)


_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


class PrometheusMetrics(MetricsRecorderProtocol, ObservabilityProtocol, RelayMetricsProtocol):
    """Records HTTP, domain and outbox metrics; recording never raises into a request."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self._requests = Counter(
            "cms_http_requests_total",
            "HTTP requests by route template and status",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self._latency = Histogram(
            "cms_http_request_duration_seconds",
            "HTTP request latency by route template",
            ("method", "route"),
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._series_by_request: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}
        self._classes_created = Counter(
            "cms_classes_created_total", "Classes created", registry=self.registry
        )
        self._students_created = Counter(
            "cms_students_created_total", "Students created", registry=self.registry
        )
        self._outbox_pending = Gauge(
            "cms_outbox_pending", "Outbox rows not yet published", registry=self.registry
        )
        self._outbox_oldest_age = Gauge(
            "cms_outbox_oldest_pending_age_seconds",
            "Age of the oldest unpublished outbox row",
            registry=self.registry,
        )
        self._add_relay_collectors()

    def _add_relay_collectors(self) -> None:
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

    def events_published(self, ack_latencies_s: Sequence[float]) -> None:
        try:
            self._published.inc(len(ack_latencies_s))
            for seconds in ack_latencies_s:
                self._ack_latency.observe(seconds)
        except Exception:  # noqa: BLE001, S110 - metrics must never stop the relay
            pass

    def events_failed(self, count: int) -> None:
        with suppress(Exception):  # metrics must never stop the relay
            self._failed.inc(count)

    def relay_batch(self, seconds: float) -> None:
        with suppress(Exception):  # metrics must never stop the relay
            self._batch_latency.observe(seconds)

    def notifications_failed(self, count: int) -> None:
        with suppress(Exception):  # metrics must never stop the relay
            self._notification_failures.inc(count)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        try:
            count, latency = self._request_series(method, route, status)
            count.inc()
            latency.observe(seconds)
        except Exception:  # noqa: BLE001, S110 - metrics must never fail a request
            pass

    def _request_series(self, method: str, route: str, status: int) -> tuple[Counter, Histogram]:
        # ``labels()`` validates and joins the label values under a lock on every call (~4 µs of
        # each request); the series of one (method, route template, status) never change, and
        # there are only as many as the routes, so each is looked up once. A method is any
        # token a client sends: unknown ones share one label, so no client can mint series.
        method = method if method in _HTTP_METHODS else "OTHER"
        key = (method, route, status)
        series = self._series_by_request.get(key)
        if series is None:
            series = (
                self._requests.labels(method, route, str(status)),
                self._latency.labels(method, route),
            )
            self._series_by_request[key] = series
        return series

    def class_created(self) -> None:
        self._classes_created.inc()

    def student_created(self) -> None:
        self._students_created.inc()

    def record_outbox_backlog(self, pending: int, oldest_age_s: float | None) -> None:
        self._outbox_pending.set(pending)
        self._outbox_oldest_age.set(oldest_age_s or 0.0)

    def track_database_pool(self, engine: AsyncEngine) -> None:
        """Connections checked out of the app's one pool, read at scrape time."""
        pool = engine.sync_engine.pool
        gauge = Gauge(
            "cms_db_pool_in_use", "Database connections checked out of the pool", registry=self.registry
        )
        checked_out = getattr(pool, "checkedout", None)
        if callable(checked_out):
            gauge.set_function(lambda: float(checked_out()))

    def render(self) -> tuple[bytes, str]:
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
