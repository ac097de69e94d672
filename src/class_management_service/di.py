"""Composition root: the only module that names implementations and binds them to ports."""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, from_context, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.implementations.health_probes import (
    AlwaysHealthyProbe,
    KafkaMetadataProbe,
    RedisPingProbe,
    SqlAlchemyDatabaseProbe,
)
from class_management_service.implementations.in_memory_repositories import (
    InMemoryClassRepository,
    InMemoryStudentRepository,
)
from class_management_service.implementations.in_memory_store import InMemoryOutboxStats, InMemoryStore
from class_management_service.implementations.kafka_publisher import AiokafkaEventPublisher
from class_management_service.implementations.outbox_doorbell import OutboxDoorbell
from class_management_service.implementations.outbox_relay import OutboxRelay, RelayPorts
from class_management_service.implementations.outbox_store import SqlAlchemyOutboxStore
from class_management_service.implementations.pg_class_repository import AsyncpgClassRepository
from class_management_service.implementations.pg_connection import is_asyncpg_engine
from class_management_service.implementations.pg_outbox_store import AsyncpgOutboxStore
from class_management_service.implementations.pg_student_repository import AsyncpgStudentRepository
from class_management_service.implementations.prometheus_metrics import PrometheusMetrics
from class_management_service.implementations.prometheus_relay_metrics import PrometheusRelayMetrics
from class_management_service.implementations.redis_notifier import (
    DisabledNotificationPublisher,
    RedisNotificationPublisher,
    create_redis_client,
)
from class_management_service.implementations.relay_leadership import (
    FileLockLeadership,
    PostgresAdvisoryLeadership,
    asyncpg_dsn,
)
from class_management_service.implementations.relay_state import (
    LiveRelayState,
    ObservedEventPublisher,
    ObservedLeadership,
)
from class_management_service.implementations.sql_class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sql_outbox import SqlAlchemyOutboxStats
from class_management_service.implementations.sql_student_repository import (
    SqlAlchemyStudentRepository,
)
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
    RelayLeadershipProtocol,
    RelayMetricsProtocol,
    RelayObservabilityProtocol,
    RelayStateProtocol,
    StudentRepositoryProtocol,
)
from class_management_service.services.class_service import ClassService
from class_management_service.services.health_service import HealthService
from class_management_service.services.relay_health_service import RelayHealthService
from class_management_service.services.student_service import StudentService


class InfrastructureProvider(Provider):
    """APP scope: settings, the one engine, clock and metrics, created once per process."""

    scope = Scope.APP
    settings = from_context(provides=Settings)
    engine = from_context(provides=AsyncEngine)
    clock = provide(SystemClock, provides=ClockProtocol)

    metrics = from_context(provides=PrometheusMetrics)
    relay_series = from_context(provides=PrometheusRelayMetrics)

    @provide
    def metrics_recorder(self, metrics: PrometheusMetrics) -> MetricsRecorderProtocol:
        return metrics

    @provide
    def observability(self, metrics: PrometheusMetrics) -> ObservabilityProtocol:
        return metrics

    @provide
    def relay_metrics(self, metrics: PrometheusRelayMetrics) -> RelayMetricsProtocol:
        return metrics

    @provide
    def relay_observability(self, metrics: PrometheusRelayMetrics) -> RelayObservabilityProtocol:
        return metrics

    @provide
    def relay_state(self, metrics: PrometheusRelayMetrics) -> LiveRelayState:
        state = LiveRelayState()
        metrics.track_relay_state(state)
        return state

    @provide
    def relay_state_port(self, state: LiveRelayState) -> RelayStateProtocol:
        return state


class EventDeliveryProvider(Provider):
    """APP scope: Kafka publisher, Redis client and notifier, leadership and the outbox relay.

    Building any of them opens no connection, so the app starts with Kafka or Redis down; each
    generator closes what it opened when the container closes (``after_serving``).
    """

    scope = Scope.APP

    @provide
    async def event_publisher(
        self, settings: Settings, state: LiveRelayState
    ) -> AsyncIterator[EventPublisherProtocol]:
        """Observed, so the relay's /healthz knows what the relay last saw of Kafka."""
        publisher = ObservedEventPublisher(AiokafkaEventPublisher(settings), state)
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
    async def leadership(
        self, settings: Settings, engine: AsyncEngine, state: LiveRelayState
    ) -> AsyncIterator[RelayLeadershipProtocol]:
        """Observed, so the relay's /healthz and gauge say whether this process leads."""
        leadership = ObservedLeadership(
            FileLockLeadership.for_database(settings.database_url)
            if settings.is_sqlite
            else PostgresAdvisoryLeadership(asyncpg_dsn(engine.url)),
            state,
        )
        yield leadership
        await leadership.release()

    @provide
    async def relay(
        self,
        engine: AsyncEngine,
        publisher: EventPublisherProtocol,
        notifier: NotificationPublisherProtocol,
        leadership: RelayLeadershipProtocol,
        metrics: RelayMetricsProtocol,
        settings: Settings,
    ) -> AsyncIterator[OutboxRelay]:
        store = AsyncpgOutboxStore(engine) if is_asyncpg_engine(engine) else SqlAlchemyOutboxStore(engine)
        ports = RelayPorts(store, publisher, notifier, leadership, metrics)
        relay = OutboxRelay(ports, settings)
        yield relay
        await relay.stop()

    @provide
    def kafka_probe(self, settings: Settings) -> KafkaMetadataProbe:
        return KafkaMetadataProbe(settings.kafka_bootstrap_servers)

    @provide
    def redis_probe(self, client: Redis | None) -> RedisPingProbe:
        return RedisPingProbe(client)


class SqlRepositoryProvider(Provider):
    """Repositories on the SQL database.

    Two SQL implementations, one contract: on PostgreSQL (asyncpg) the Asyncpg* repositories run
    hand-written statements on the driver connection of a pooled engine connection, one round
    trip per create and per read, for 2-6x less CPU per call than SQLAlchemy (the service is
    CPU-bound; measured by ``bench/repository_cpu.py``). SQLite, the embedded mode, keeps the SQLAlchemy Core
    repositories. Both run the same contract scenarios (``tests/contract``), so either is the
    behaviour the API promises.

    APP scope on purpose: each repository only holds the engine (and a course cache) and opens
    a connection per call (repository-managed sessions), so building them per request would be
    pure cost.
    """

    scope = Scope.APP
    outbox_stats = provide(SqlAlchemyOutboxStats, provides=OutboxStatsProtocol)

    @provide
    async def doorbell(self, engine: AsyncEngine, settings: Settings) -> AsyncIterator[OutboxDoorbell | None]:
        """PostgreSQL only: SQLite has no NOTIFY, its relay polls."""
        if not is_asyncpg_engine(engine):
            yield None
            return
        doorbell = OutboxDoorbell(engine, settings.outbox_doorbell_interval_s)
        yield doorbell
        await doorbell.close()

    @provide
    def classes(self, engine: AsyncEngine, doorbell: OutboxDoorbell | None) -> ClassRepositoryProtocol:
        if is_asyncpg_engine(engine):
            return AsyncpgClassRepository(engine, doorbell)
        return SqlAlchemyClassRepository(engine)

    @provide
    def students(self, engine: AsyncEngine, doorbell: OutboxDoorbell | None) -> StudentRepositoryProtocol:
        if is_asyncpg_engine(engine):
            return AsyncpgStudentRepository(engine, doorbell)
        return SqlAlchemyStudentRepository(engine)

    @provide
    def database_probe(self, engine: AsyncEngine) -> HealthProbeProtocol:
        return SqlAlchemyDatabaseProbe(engine)


class InMemoryRepositoryProvider(Provider):
    """USE_MOCK_REPOSITORY: in-memory repositories enforcing the same rules (contract-tested)."""

    scope = Scope.APP
    store = provide(InMemoryStore)
    classes = provide(InMemoryClassRepository, provides=ClassRepositoryProtocol)
    students = provide(InMemoryStudentRepository, provides=StudentRepositoryProtocol)
    outbox_stats = provide(InMemoryOutboxStats, provides=OutboxStatsProtocol)
    database_probe = provide(AlwaysHealthyProbe, provides=HealthProbeProtocol)


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
        settings: Settings,
    ) -> HealthService:
        return HealthService(database, [kafka, redis], outbox, settings.outbox_stall_after_s)

    @provide
    def relay_health_service(
        self, state: RelayStateProtocol, outbox: OutboxStatsProtocol, settings: Settings
    ) -> RelayHealthService:
        return RelayHealthService(state, outbox, settings.outbox_stall_after_s)


def providers_for(settings: Settings) -> list[Provider]:
    repositories = InMemoryRepositoryProvider() if settings.use_mock_repository else SqlRepositoryProvider()
    return [InfrastructureProvider(), repositories, EventDeliveryProvider(), ServiceProvider()]
