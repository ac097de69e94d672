"""Real-broker helpers for the suggestions consumer: a producer, consumers built by the container."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import RecordMetadata, TopicPartition
from dishka import AsyncContainer, make_async_container
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.consumer.suggestions_consumer import SuggestionsConsumer
from class_management_service.consumer.timeout_monitor import TimeoutMonitor
from class_management_service.di import providers_for
from class_management_service.domain.association_events import SUGGESTIONS_TOPIC
from class_management_service.implementations.messaging.kafka_topics import ensure_topics
from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.relay.outbox_relay import OutboxRelay
from class_management_service.relay_process import relay_context
from tests.integration.conftest import relay_settings


async def consumer_settings(database_url: str, services_env: dict[str, str], **overrides: object) -> Settings:
    """Real services, short timings, and a consumer group of the test's own that starts at the
    topic's current end, so earlier tests' messages stay out of this test's database."""
    values: dict[str, object] = {"kafka_consumer_group": f"cms-test-{uuid.uuid4().hex}", **overrides}
    settings = relay_settings(database_url, services_env, **values)
    await ensure_topics(settings, [SUGGESTIONS_TOPIC])
    await commit_end_offsets(settings.kafka_bootstrap_servers, settings.kafka_consumer_group)
    return settings


async def commit_end_offsets(kafka_bootstrap: str, group: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        # A topic created a moment ago may not list its partitions yet.
        for _ in range(100):
            (described,) = await admin.describe_topics([SUGGESTIONS_TOPIC])
            if described["partitions"]:
                break
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
    partitions = [TopicPartition(SUGGESTIONS_TOPIC, p["partition"]) for p in described["partitions"]]
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign(partitions)
        ends = await consumer.end_offsets(partitions)
        await consumer.commit(ends)
    finally:
        await consumer.stop()


@dataclass
class ConsumerHandle:
    """A consumer (and maybe the monitor and the relay) built as the relay process builds them."""

    consumer: SuggestionsConsumer
    monitor: TimeoutMonitor
    container: AsyncContainer
    metrics: PrometheusRelayMetrics

    def sample(self, name: str, **labels: str) -> float:
        return self.metrics.registry.get_sample_value(name, labels) or 0.0

    def messages(self, outcome: str) -> float:
        return self.sample("cms_suggestions_messages_total", outcome=outcome)


@asynccontextmanager
async def running_consumer(
    settings: Settings, engine: AsyncEngine, *, with_monitor: bool = False, with_relay: bool = False
) -> AsyncIterator[ConsumerHandle]:
    context = relay_context(settings, engine)
    metrics = context[PrometheusRelayMetrics]
    assert isinstance(metrics, PrometheusRelayMetrics)
    container = make_async_container(*providers_for(settings), context=context)
    consumer = await container.get(SuggestionsConsumer)
    monitor = await container.get(TimeoutMonitor)
    relay = await container.get(OutboxRelay)
    consumer.start()
    if with_monitor:
        monitor.start()
    if with_relay:
        relay.start()
    try:
        yield ConsumerHandle(consumer, monitor, container, metrics)
    finally:
        await container.close()  # stops the consumer, the monitor and the relay


@asynccontextmanager
async def suggestions_producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def publish(producer: AIOKafkaProducer, value: bytes, key: str) -> RecordMetadata:
    """Send one message to NLP's topic and wait for the broker's acknowledgement."""
    metadata: RecordMetadata = await producer.send_and_wait(SUGGESTIONS_TOPIC, value, key.encode())
    return metadata


async def committed_offset(kafka_bootstrap: str, group: str, partition: int) -> int | None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    found = offsets.get(TopicPartition(SUGGESTIONS_TOPIC, partition))
    return None if found is None else int(found.offset)
