"""The providers every backend shares: settings and metrics, event delivery, the relay, services.

``di`` composes them with the database URL's backend (``backend_providers``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, alias, decorate, from_context, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.consumer.message_handler import HandlerPorts
from class_management_service.consumer.suggestions_consumer import SuggestionsConsumer
from class_management_service.consumer.timeout_monitor import MonitorPorts, TimeoutMonitor
from class_management_service.domain import association_event_builders
from class_management_service.implementations.messaging.kafka_consumer import AiokafkaMessageSource
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
from class_management_service.implementations.observability.prometheus_consumer_metrics import (
    PrometheusConsumerMetrics,
)
from class_management_service.implementations.observability.prometheus_metrics import PrometheusMetrics
from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.implementations.system_clock import SystemClock
from class_management_service.protocols import (
    AssociationRepositoryProtocol,
    ClassRepositoryProtocol,
    ClockProtocol,
    ConsumerMetricsProtocol,
    DeadLetterStoreProtocol,
    EventPublisherProtocol,
    HealthProbeProtocol,
    IdempotencyStoreProtocol,
    MessageSourceProtocol,
    MetricsRecorderProtocol,
    MonitorLeadershipProtocol,
    NotificationPublisherProtocol,
    ObservabilityProtocol,
    OutboxStatsProtocol,
    OutboxStoreProtocol,
    RelayLeadershipProtocol,
    RelayMetricsProtocol,
    RelayObservabilityProtocol,
    RelayStateProtocol,
    StudentRepositoryProtocol,
)
from class_management_service.relay.outbox_relay import OutboxRelay, RelayPorts
from class_management_service.relay.relay_state import (
    LiveRelayState,
    ObservedEventPublisher,
    ObservedLeadership,
)
from class_management_service.services.association_service import AssociationService
from class_management_service.services.class_service import ClassService
from class_management_service.services.health_service import HealthService
from class_management_service.services.idempotency_service import IdempotencyService
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
    metrics_recorder = alias(source=PrometheusMetrics, provides=MetricsRecorderProtocol)
    observability = alias(source=PrometheusMetrics, provides=ObservabilityProtocol)
    relay_metrics = alias(source=PrometheusRelayMetrics, provides=RelayMetricsProtocol)
    relay_observability = alias(source=PrometheusRelayMetrics, provides=RelayObservabilityProtocol)
    relay_state_port = alias(source=LiveRelayState, provides=RelayStateProtocol)

    @provide
    def relay_state(self, metrics: PrometheusRelayMetrics) -> LiveRelayState:
        state = LiveRelayState()
        metrics.track_relay_state(state)
        return state


class EventDeliveryProvider(Provider):
    """APP scope: Kafka publisher, Redis client and notifier, and their health probes.

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
    def kafka_probe(self, settings: Settings) -> KafkaMetadataProbe:
        return KafkaMetadataProbe(settings.kafka_bootstrap_servers)

    @provide
    def redis_probe(self, client: Redis | None) -> RedisPingProbe:
        return RedisPingProbe(client)


class RelayProvider(Provider):
    """The outbox relay, on whichever backend's store and leadership; SQL backends only."""

    scope = Scope.APP

    @decorate
    def observed_leadership(
        self, leadership: RelayLeadershipProtocol, state: LiveRelayState
    ) -> RelayLeadershipProtocol:
        """Observed, so the relay's /healthz and gauge say whether this process leads."""
        return ObservedLeadership(leadership, state)

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


class ConsumerProvider(Provider):
    """The suggestions consumer and the timeout monitor: they run wherever the relay runs."""

    scope = Scope.APP

    @provide
    def consumer_metrics(self, relay_metrics: PrometheusRelayMetrics) -> ConsumerMetricsProtocol:
        """On the relay's registry: exposed exactly where the relay's series are."""
        return PrometheusConsumerMetrics(relay_metrics.registry)

    @provide
    async def message_source(self, settings: Settings) -> AsyncIterator[MessageSourceProtocol]:
        source = AiokafkaMessageSource(settings)
        yield source
        await source.close()

    @provide
    async def suggestions_consumer(
        self,
        source: MessageSourceProtocol,
        associations: AssociationRepositoryProtocol,
        dead_letters: DeadLetterStoreProtocol,
        clock: ClockProtocol,
        metrics: ConsumerMetricsProtocol,
        settings: Settings,
    ) -> AsyncIterator[SuggestionsConsumer]:
        ports = HandlerPorts(associations, dead_letters, clock, metrics)
        consumer = SuggestionsConsumer(source, ports, association_event_builders.suggestions_ready, settings)
        yield consumer
        await consumer.stop()

    @decorate
    def relay_health_with_consumer(
        self, service: RelayHealthService, consumer: SuggestionsConsumer, settings: Settings
    ) -> RelayHealthService:
        """The relay process's /healthz also shows the consumer running beside the relay."""
        return service.with_consumer(consumer) if settings.consumer_enabled else service

    @provide
    async def timeout_monitor(
        self,
        associations: AssociationRepositoryProtocol,
        leadership: MonitorLeadershipProtocol,
        clock: ClockProtocol,
        metrics: ConsumerMetricsProtocol,
        settings: Settings,
    ) -> AsyncIterator[TimeoutMonitor]:
        ports = MonitorPorts(associations, leadership, clock, metrics)
        monitor = TimeoutMonitor(ports, association_event_builders.batch_completed, settings)
        yield monitor
        await monitor.stop()


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
        self,
        students: StudentRepositoryProtocol,
        classes: ClassRepositoryProtocol,
        clock: ClockProtocol,
        metrics: MetricsRecorderProtocol,
    ) -> StudentService:
        return StudentService(students, classes, clock, metrics)

    @provide
    def association_service(
        self, associations: AssociationRepositoryProtocol, clock: ClockProtocol
    ) -> AssociationService:
        return AssociationService(associations, clock)

    @provide
    def idempotency_service(
        self, store: IdempotencyStoreProtocol, clock: ClockProtocol
    ) -> IdempotencyService:
        return IdempotencyService(store, clock)

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
