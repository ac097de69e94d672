"""Kafka side of the relay: the stored envelope goes out unchanged, keyed by its aggregate."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import suppress

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, KafkaTimeoutError

from class_management_service import private_apis
from class_management_service.config import Settings
from class_management_service.domain.events import ALL_TOPICS
from class_management_service.implementations.messaging.kafka_metadata_backoff import install_metadata_backoff
from class_management_service.implementations.messaging.kafka_topics import ensure_topics
from class_management_service.protocols import EventPublisherProtocol, OutboxRecord, PublishFailure

PUBLISHED_TOPICS = frozenset(ALL_TOPICS)
CONTENT_TYPE = b"application/json"
# The relay enqueues a whole batch before it yields, so the sender already finds full batches:
# lingering would only add its delay to every batch. Batches of 256 KiB hold a relay batch
# (500 envelopes of about 700 bytes spread over the partitions) without send() having to wait.
# No compression: gzip (the one codec needing no extra package) costs a large share of the
# relay's per-event CPU, while bytes are cheap on a LAN.
LINGER_MS = 0
MAX_BATCH_BYTES = 256 * 1024
CLOSE_TIMEOUT_S = 5.0

_Pending = asyncio.Future[object] | PublishFailure


class AiokafkaEventPublisher(EventPublisherProtocol):
    """Publishes outbox envelopes byte for byte, with DESIGN §5 headers, acks=all and idempotence."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._has_topics = False
        self._ack_timeout_s = settings.kafka_request_timeout_ms / 1000

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
        install_metadata_backoff(producer.client)  # no busy loop while the broker is away
        try:
            await producer.start()
            # Metadata for every topic now, so that no send() waits for it later.
            for topic in ALL_TOPICS:
                await producer.partitions_for(topic)
        except BaseException:
            await _stop_quietly(producer)
            raise
        self._producer = producer

    async def publish(self, records: Sequence[OutboxRecord]) -> list[PublishFailure | None]:
        producer = self._producer
        if producer is None:
            raise RuntimeError("AiokafkaEventPublisher.publish() before start()")
        pending = await _send_all(producer, records)
        sent = [item for item in pending if isinstance(item, asyncio.Future)]
        if sent and (await asyncio.wait(sent, timeout=self._ack_timeout_s))[1]:
            # aiokafka never expires a batch whose partition leader is known but unreachable:
            # with the broker gone these acks would never come. Give up on them and retry later.
            self._producer = None
            await _abandon(producer)
        outcomes = [item if isinstance(item, PublishFailure) else _outcome(item) for item in pending]
        lost_in_flight = (
            isinstance(item, asyncio.Future) and outcome is not None
            for item, outcome in zip(pending, outcomes, strict=True)
        )
        if any(lost_in_flight) or any(outcome and outcome.is_transient for outcome in outcomes):
            # An idempotent producer that lost a batch may have a gap in its sequence numbers,
            # and one facing a dead broker only wastes the relay's time: start over, with backoff.
            await self.close()
        return outcomes

    async def close(self) -> None:
        """Deliver what is in flight if the broker answers soon, else drop it (rows stay pending)."""
        producer, self._producer = self._producer, None
        if producer is None:
            return
        try:
            await asyncio.wait_for(producer.flush(), CLOSE_TIMEOUT_S)
        except (TimeoutError, KafkaError):
            await _abandon(producer)
            return
        await _stop_quietly(producer)


async def _send_all(producer: AIOKafkaProducer, records: Sequence[OutboxRecord]) -> list[_Pending]:
    """Enqueue every record without waiting for acks; one outcome (or future) per record."""
    pending: list[_Pending] = []
    held_back: dict[str, PublishFailure] = {}
    broker_failure: PublishFailure | None = None
    for record in records:
        item = broker_failure or held_back.get(record.key) or await _send(producer, record)
        if isinstance(item, PublishFailure):
            # A later event of a key must never overtake an earlier one that was not sent.
            held_back.setdefault(
                record.key, PublishFailure(f"held back behind event {record.event_id}", False)
            )
            if item.is_transient and broker_failure is None:
                # send() itself waits up to the request timeout for a dead broker: pay it once.
                broker_failure = PublishFailure(f"not sent: {item.error}", is_transient=True)
        pending.append(item)
    return pending


async def _send(producer: AIOKafkaProducer, record: OutboxRecord) -> _Pending:
    message = _message(record)
    if isinstance(message, PublishFailure):
        return message
    value, headers = message
    try:
        future: asyncio.Future[object] = await producer.send(
            record.topic, value, record.key.encode(), headers=headers
        )
    except KafkaError as error:
        return PublishFailure(_describe(error), _is_transient(error))
    return future


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


def _outcome(future: asyncio.Future[object]) -> PublishFailure | None:
    if not future.done():
        return PublishFailure("KafkaTimeoutError: no acknowledgement in time", is_transient=True)
    error = future.exception()
    if error is None:
        return None
    if isinstance(error, KafkaError):
        return PublishFailure(_describe(error), _is_transient(error))
    return PublishFailure(_describe(error), is_transient=True)


async def _abandon(producer: AIOKafkaProducer) -> None:
    """Close a producer without delivering its batches; their rows are retried by the relay."""
    # aiokafka has no public way to give up on batches: stop() waits until they are delivered.
    # Killing the sender first also guarantees this producer can never deliver a stale copy
    # after the relay re-sent those rows (and newer ones of the same key) elsewhere.
    sender = private_apis.aiokafka_sender_task(producer)
    if sender is not None:
        sender.cancel()
        await asyncio.wait([sender], timeout=CLOSE_TIMEOUT_S)
    private_apis.aiokafka_mark_closed(producer)  # nothing is left for stop() to flush
    with suppress(Exception):
        await asyncio.wait_for(producer.client.close(), CLOSE_TIMEOUT_S)


def _is_transient(error: KafkaError) -> bool:
    return bool(error.retriable) or isinstance(error, KafkaTimeoutError)


def _describe(error: BaseException) -> str:
    # Kafka errors name the failure and the broker, never the message, so no personal data.
    return f"{type(error).__name__}: {error}"[:300]


async def _stop_quietly(producer: AIOKafkaProducer) -> None:
    with suppress(Exception, asyncio.TimeoutError):
        await asyncio.wait_for(producer.stop(), CLOSE_TIMEOUT_S)
