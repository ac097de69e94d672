"""Composition root: binds implementations to ports and picks the storage backend (``backend_providers``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from dishka import Provider, Scope, alias, from_context, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.backend_providers import MemoryProvider, PostgresProvider, SqliteProvider
from class_management_service.config import Settings
from class_management_service.implementations.messaging.kafka_publisher import AiokafkaEventPublisher
from class_management_service.implementations.messaging.redis_notifier import (
    DisabledNotificationPublisher,
    RedisNotificationPublisher,
    create_redis_client,
)
from class_management_service.implementations.observability.health_probes import (
    KafkaMetadataProbe,
    RedisPingProbe,
)
from class_management_service.implementations.observability.prometheus_metrics import PrometheusMetrics
from class_management_service.implementations.postgres.engine import create_postgres_engine
from class_management_service.implementations.sqlite.engine import create_sqlite_engine
from class_management_service.implementations.system_clock import SystemClock
from class_management_service.protocols import (
    ClassRepositoryProtocol,
    ClockProtocol,
    EventPublisherProtocol,
    HealthProbeProtocol,
    MetricsRecorderProtocol,
    NotificationPublisherProtocol,
    ObservabilityProtocol,
    OutboxStatsProtocol,
    OutboxStoreProtocol,
    RelayLeadershipProtocol,
    RelayMetricsProtocol,
    StudentRepositoryProtocol,
)
from class_management_service.relay.outbox_relay import OutboxRelay, RelayPorts
from class_management_service.services.class_service import ClassService
from class_management_service.services.health_service import HealthService
from class_management_service.services.student_service import StudentService


class InfrastructureProvider(Provider):
    """APP scope: settings, the one engine, clock and metrics, created once per process."""

    scope = Scope.APP
    settings = from_context(provides=Settings)
    engine = from_context(provides=AsyncEngine)
    clock = provide(SystemClock, provides=ClockProtocol)

    metrics = from_context(provides=PrometheusMetrics)
    metrics_recorder = alias(source=PrometheusMetrics, provides=MetricsRecorderProtocol)
    observability = alias(source=PrometheusMetrics, provides=ObservabilityProtocol)
    relay_metrics = alias(source=PrometheusMetrics, provides=RelayMetricsProtocol)


class EventDeliveryProvider(Provider):
    """APP scope: Kafka publisher, Redis client and notifier, and their health probes.

    Building any of them opens no connection, so the app starts with Kafka or Redis down; each
    generator closes what it opened when the container closes (``after_serving``).
    """

    scope = Scope.APP

    @provide
    async def event_publisher(self, settings: Settings) -> AsyncIterator[EventPublisherProtocol]:
        publisher = AiokafkaEventPublisher(settings)
        yield publisher
        await publisher.close()

    @provide
    async def redis_client(self, settings: Settings) -> AsyncIterator[Redis | None]:
        client = create_redis_client(settings.redis_url) if settings.redis_url.strip() else None
        yield client
        if client is not None:
            await client.aclose()

    @provide
    async def notifier(
        self, client: Redis | None, metrics: RelayMetricsProtocol
    ) -> AsyncIterator[NotificationPublisherProtocol]:
        notifier = (
            DisabledNotificationPublisher() if client is None else RedisNotificationPublisher(client, metrics)
        )
        yield notifier
        await notifier.close()

    @provide
    def kafka_probe(self, settings: Settings) -> KafkaMetadataProbe:
        return KafkaMetadataProbe(settings.kafka_bootstrap_servers)

    @provide
    def redis_probe(self, client: Redis | None) -> RedisPingProbe:
        return RedisPingProbe(client)


class RelayProvider(Provider):
    """The outbox relay, on whichever backend's store and leadership; SQL backends only."""

    scope = Scope.APP

    @provide
    async def relay(
        self,
        store: OutboxStoreProtocol,
        publisher: EventPublisherProtocol,
        notifier: NotificationPublisherProtocol,
        leadership: RelayLeadershipProtocol,
        metrics: RelayMetricsProtocol,
        settings: Settings,
    ) -> AsyncIterator[OutboxRelay]:
        relay = OutboxRelay(RelayPorts(store, publisher, notifier, leadership, metrics), settings)
        yield relay
        await relay.stop()


class ServiceProvider(Provider):
    """Use-case services; stateless, so APP scope too."""

    scope = Scope.APP

    @provide
    def class_service(
        self, classes: ClassRepositoryProtocol, clock: ClockProtocol, metrics: MetricsRecorderProtocol
    ) -> ClassService:
        return ClassService(classes, clock, metrics)

    @provide
    def student_service(
        self, students: StudentRepositoryProtocol, clock: ClockProtocol, metrics: MetricsRecorderProtocol
    ) -> StudentService:
        return StudentService(students, clock, metrics)

    @provide
    def health_service(
        self,
        database: HealthProbeProtocol,
        kafka: KafkaMetadataProbe,
        redis: RedisPingProbe,
        outbox: OutboxStatsProtocol,
    ) -> HealthService:
        return HealthService(database, [kafka, redis], outbox)


class UnsupportedDatabaseError(ValueError):
    """The database URL names a backend this service does not run on."""

    def __init__(self, database_url: str) -> None:
        scheme = database_url.partition("://")[0] or database_url
        super().__init__(
            f"Unsupported CLASS_MANAGEMENT_SERVICE_DATABASE_URL scheme {scheme!r}: use "
            f"{' or '.join(repr(s) for s in BACKEND_BY_SCHEME)} (or USE_MOCK_REPOSITORY for memory)"
        )


@dataclass(frozen=True, slots=True)
class Backend:
    provider: type[Provider]
    create_engine: Callable[[Settings], AsyncEngine]


BACKEND_BY_SCHEME = {
    "postgresql+asyncpg": Backend(PostgresProvider, create_postgres_engine),
    "sqlite+aiosqlite": Backend(SqliteProvider, create_sqlite_engine),
}


def _backend(settings: Settings) -> Backend:
    """The one place the storage backend is chosen: from the database URL's scheme."""
    backend = BACKEND_BY_SCHEME.get(settings.database_url.partition("://")[0])
    if backend is None:
        raise UnsupportedDatabaseError(settings.database_url)
    return backend


def create_engine(settings: Settings) -> AsyncEngine:
    """The database URL's engine, configured for its backend; opens no connection until first use."""
    return _backend(settings).create_engine(settings)


def backend_provider(settings: Settings) -> Provider:
    """The repositories: in memory when asked for, else the database URL's backend."""
    return MemoryProvider() if settings.use_mock_repository else _backend(settings).provider()


def providers_for(settings: Settings) -> list[Provider]:
    backend = backend_provider(settings)
    relay = [] if isinstance(backend, MemoryProvider) else [RelayProvider()]
    return [InfrastructureProvider(), backend, EventDeliveryProvider(), *relay, ServiceProvider()]
