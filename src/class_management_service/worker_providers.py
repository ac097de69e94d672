"""Providers of the background workers: the outbox relay, the suggestions consumer, the timeout monitor.

SQL backends only; ``di`` leaves them out on the in-memory backend, which has no outbox.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from dishka import Provider, Scope, decorate, provide

from class_management_service.config import Settings
from class_management_service.consumer.message_handler import HandlerPorts
from class_management_service.consumer.suggestions_consumer import SuggestionsConsumer
from class_management_service.consumer.timeout_monitor import MonitorPorts, TimeoutMonitor
from class_management_service.domain import association_event_builders
from class_management_service.implementations.messaging.kafka_consumer import AiokafkaMessageSource
from class_management_service.implementations.observability.prometheus_consumer_metrics import (
    PrometheusConsumerMetrics,
)
from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.protocols import (
    AssociationRepositoryProtocol,
    ClockProtocol,
    ConsumerMetricsProtocol,
    DeadLetterStoreProtocol,
    EventPublisherProtocol,
    MessageSourceProtocol,
    MonitorLeadershipProtocol,
    NotificationPublisherProtocol,
    OutboxStoreProtocol,
    RelayLeadershipProtocol,
    RelayMetricsProtocol,
)
from class_management_service.relay.outbox_relay import OutboxRelay, RelayPorts
from class_management_service.relay.relay_state import LiveRelayState, ObservedLeadership
from class_management_service.services.relay_health_service import RelayHealthService


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
