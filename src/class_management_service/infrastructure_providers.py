"""APP-scoped providers every backend shares: settings, clock, metrics, and event delivery.

``di`` composes them with the database URL's backend (``backend_providers``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, alias, from_context, provide
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

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
from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.implementations.system_clock import SystemClock
from class_management_service.protocols import (
    ClockProtocol,
    EventPublisherProtocol,
    MetricsRecorderProtocol,
    NotificationPublisherProtocol,
    ObservabilityProtocol,
    RelayMetricsProtocol,
    RelayObservabilityProtocol,
    RelayStateProtocol,
)
from class_management_service.relay.relay_state import LiveRelayState, ObservedEventPublisher


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
