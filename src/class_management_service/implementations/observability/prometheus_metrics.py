"""Prometheus collectors in a registry of their own (one per app, so tests can build many apps)."""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.protocols import MetricsRecorderProtocol, ObservabilityProtocol

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


class PrometheusMetrics(MetricsRecorderProtocol, ObservabilityProtocol):
    """Records HTTP and domain metrics; recording never raises into a request.

    ``relay`` is given when this process also runs the relay (the embedded mode) and its series
    share the registry: then this process owns the outbox series too and exposes them.
    """

    def __init__(
        self, registry: CollectorRegistry | None = None, relay: PrometheusRelayMetrics | None = None
    ) -> None:
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
        self._rows_imported = Counter(
            "cms_import_rows_total", "Roster import rows by outcome", ("outcome",), registry=self.registry
        )
        self._relay = relay

    @property
    def exposes_outbox_backlog(self) -> bool:
        return self._relay is not None

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

    def rows_imported(self, outcomes: Mapping[str, int]) -> None:
        for outcome, count in outcomes.items():
            self._rows_imported.labels(outcome).inc(count)
        self._students_created.inc(outcomes.get("created", 0))

    def record_outbox_backlog(self, pending: int, oldest_age_s: float | None) -> None:
        if self._relay is not None:
            self._relay.record_outbox_backlog(pending, oldest_age_s)

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
