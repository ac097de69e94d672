"""Kafka side of the suggestions consumer: one group member, offsets committed only when asked."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from contextlib import suppress

from aiokafka import AIOKafkaConsumer, TopicPartition

from class_management_service import private_apis
from class_management_service.config import Settings
from class_management_service.domain.association_events import SUGGESTIONS_TOPIC
from class_management_service.domain.consumed_messages import ConsumedMessage
from class_management_service.implementations.messaging.kafka_metadata_backoff import install_metadata_backoff
from class_management_service.implementations.messaging.kafka_topics import ensure_topics
from class_management_service.protocols import MessageSourceProtocol

CLOSE_TIMEOUT_S = 5.0
# A 500-essay batch is a few hundred KiB; a fetch holds several of them per partition.
MAX_PARTITION_FETCH_BYTES = 4 * 1024 * 1024


class AiokafkaMessageSource(MessageSourceProtocol):
    """A member of ``kafka_consumer_group`` on the suggestions topic; auto-commit is off.

    A new group starts at the earliest offset, so suggestions published before the service
    first ran are still stored.
    """

    def __init__(self, settings: Settings, topic: str = SUGGESTIONS_TOPIC) -> None:
        self._settings = settings
        self._topic = topic
        self._consumer: AIOKafkaConsumer | None = None
        self._has_topic = False

    @property
    def is_started(self) -> bool:
        return self._consumer is not None

    async def start(self) -> None:
        if self._consumer is not None:
            return
        if not self._has_topic:
            # Created here if missing (local runs, a fresh platform): subscribing to a topic that
            # does not exist yet would notice its creation only at the next metadata refresh.
            await ensure_topics(self._settings, [self._topic])
            self._has_topic = True
        consumer = AIOKafkaConsumer(
            self._topic,
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            client_id=f"{self._settings.kafka_client_id}-consumer",
            group_id=self._settings.kafka_consumer_group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_partition_fetch_bytes=MAX_PARTITION_FETCH_BYTES,
            request_timeout_ms=self._settings.kafka_request_timeout_ms,
        )
        install_metadata_backoff(private_apis.aiokafka_consumer_client(consumer))
        try:
            await consumer.start()
        except BaseException:
            await _stop_quietly(consumer)
            raise
        self._consumer = consumer

    async def fetch(self, timeout_s: float, max_messages: int) -> Sequence[ConsumedMessage]:
        consumer = self._started()
        batches = await consumer.getmany(timeout_ms=int(timeout_s * 1000), max_records=max_messages)
        return [
            ConsumedMessage(record.topic, record.partition, record.offset, record.key, record.value)
            for records in batches.values()
            for record in records
        ]

    async def commit(self, offsets: Mapping[tuple[str, int], int]) -> None:
        consumer = self._started()
        await consumer.commit(
            {TopicPartition(topic, part): offset for (topic, part), offset in offsets.items()}
        )

    def assigned_partitions(self) -> tuple[int, ...]:
        consumer = self._consumer
        if consumer is None:
            return ()
        return tuple(sorted(tp.partition for tp in consumer.assignment() if tp.topic == self._topic))

    async def close(self) -> None:
        """Leave the group; what was not committed is redelivered to whoever gets the partitions."""
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            await _stop_quietly(consumer)

    def _started(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("AiokafkaMessageSource used before start()")
        return self._consumer


async def _stop_quietly(consumer: AIOKafkaConsumer) -> None:
    with suppress(Exception, asyncio.TimeoutError):
        await asyncio.wait_for(consumer.stop(), CLOSE_TIMEOUT_S)
