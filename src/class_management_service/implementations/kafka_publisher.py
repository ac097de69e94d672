"""Kafka side of the relay: the stored envelope goes out unchanged, keyed by its aggregate."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import suppress

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, KafkaTimeoutError

from class_management_service.config import Settings
from class_management_service.domain.events import ALL_TOPICS
from class_management_service.implementations.kafka_topics import ensure_topics
from class_management_service.protocols import EventPublisherProtocol, OutboxRecord, PublishFailure

PUBLISHED_TOPICS = frozenset(ALL_TOPICS)
CONTENT_TYPE = b"application/json"
# A relay batch goes out in one go and is awaited as a whole: a short linger groups the sends of
# a small batch into one request per partition, and batches of 256 KiB hold a full relay batch
# (500 envelopes of about 600 bytes spread over the partitions) without send() having to wait.
LINGER_MS = 5
MAX_BATCH_BYTES = 256 * 1024
CLOSE_TIMEOUT_S = 5.0

_Pending = asyncio.Future[object] | PublishFailure


class AiokafkaEventPublisher(EventPublisherProtocol):
    """Publishes outbox envelopes byte for byte, with DESIGN §5 headers, acks=all and idempotence."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._has_topics = False

    @property
    def is_started(self) -> bool:
        return self._producer is not None

    async def start(self) -> None:
        """Create missing topics once, then connect; raises while the broker is unreachable."""
        if self._producer is not None:
            return
        if not self._has_topics:
            await ensure_topics(self._settings)
            self._has_topics = True
        producer = AIOKafkaProducer(
            bootstrap_servers=self._settings.kafka_bootstrap_servers,
            client_id=self._settings.kafka_client_id,
            acks="all",
            enable_idempotence=True,
            linger_ms=LINGER_MS,
            max_batch_size=MAX_BATCH_BYTES,
            request_timeout_ms=self._settings.kafka_request_timeout_ms,
        )
        try:
            await producer.start()
        except BaseException:
            await _stop_quietly(producer)
            raise
        self._producer = producer

    async def publish(self, records: Sequence[OutboxRecord]) -> list[PublishFailure | None]:
        if self._producer is None:
            raise RuntimeError("AiokafkaEventPublisher.publish() before start()")
        pending = await self._send_all(self._producer, records)
        outcomes: list[PublishFailure | None] = []
        has_failed_in_flight = False
        for item in pending:
            if isinstance(item, PublishFailure):
                outcomes.append(item)
                continue
            outcome = await _settle(item)
            has_failed_in_flight = has_failed_in_flight or outcome is not None
            outcomes.append(outcome)
        if has_failed_in_flight:
            # An idempotent producer that lost a batch may have a gap in its sequence numbers:
            # start over with a fresh producer id rather than risk OutOfOrderSequence errors.
            await self.close()
        return outcomes

    async def close(self) -> None:
        producer, self._producer = self._producer, None
        if producer is not None:
            await _stop_quietly(producer)

    @staticmethod
    async def _send_all(producer: AIOKafkaProducer, records: Sequence[OutboxRecord]) -> list[_Pending]:
        """Enqueue every record without waiting for acks; failures are per record."""
        pending: list[_Pending] = []
        failed_keys: dict[str, PublishFailure] = {}
        for record in records:
            message = failed_keys.get(record.key) or _message(record)
            if isinstance(message, PublishFailure):
                failure = message
            else:
                value, headers = message
                try:
                    pending.append(
                        await producer.send(record.topic, value, record.key.encode(), headers=headers)
                    )
                    continue
                except KafkaError as error:
                    failure = PublishFailure(_describe(error), _is_transient(error))
            # A later event of a key must never overtake an earlier one that was not sent.
            failed_keys.setdefault(
                record.key, PublishFailure(f"held back: event {record.event_id} of this key failed", False)
            )
            pending.append(failure)
        return pending


def _message(record: OutboxRecord) -> tuple[bytes, list[tuple[str, bytes]]] | PublishFailure:
    if record.topic not in PUBLISHED_TOPICS:
        return PublishFailure(f"unknown topic {record.topic[:100]!r}", is_transient=False)
    try:
        envelope = orjson.loads(record.payload)
        headers = [
            ("event_id", str(envelope["event_id"]).encode()),
            ("event_type", str(envelope["event_type"]).encode()),
            ("correlation_id", str(envelope["correlation_id"]).encode()),
            ("schema_version", str(envelope["schema_version"]).encode()),
            ("source_service", str(envelope["source_service"]).encode()),
            ("content_type", CONTENT_TYPE),
        ]
    except (orjson.JSONDecodeError, KeyError, TypeError):
        return PublishFailure("payload is not an event envelope", is_transient=False)
    return record.payload.encode(), headers


async def _settle(future: asyncio.Future[object]) -> PublishFailure | None:
    try:
        await future
    except KafkaError as error:
        return PublishFailure(_describe(error), _is_transient(error))
    return None


def _is_transient(error: KafkaError) -> bool:
    return bool(error.retriable) or isinstance(error, KafkaTimeoutError)


def _describe(error: BaseException) -> str:
    # Kafka errors name the failure and the broker, never the message, so no personal data.
    return f"{type(error).__name__}: {error}"[:300]


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    with suppress(Exception, asyncio.TimeoutError):
        await asyncio.wait_for(producer.stop(), CLOSE_TIMEOUT_S)
