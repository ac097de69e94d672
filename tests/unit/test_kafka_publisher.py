"""AiokafkaEventPublisher over a fake producer: message shape, per-key hold-back, broker failures."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest
from aiokafka.errors import KafkaConnectionError, MessageSizeTooLargeError

from class_management_service.config import Settings
from class_management_service.domain.events import ALL_TOPICS, STUDENT_UPDATED_TOPIC, EventEnvelope
from class_management_service.implementations.messaging import kafka_publisher
from class_management_service.implementations.messaging.kafka_metadata_backoff import MetadataUpdateBackoff
from class_management_service.implementations.messaging.kafka_publisher import AiokafkaEventPublisher
from class_management_service.protocols import OutboxRecord


class FakeClient:
    """The one part of aiokafka's client the publisher touches: the metadata refresh it wraps."""

    async def _metadata_update(self, _cluster: object, _topics: object) -> bool:
        return True


class FakeProducer:
    """Accepts sends like aiokafka (a future per message), except for keys told to fail."""

    instances: ClassVar[list[FakeProducer]] = []

    def __init__(self, **config: Any) -> None:
        self.config = config
        self.sent: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]] = []
        self.refuse: dict[bytes, Exception] = {}
        self.is_stopped = False
        self.prefetched: list[str] = []
        self.client = FakeClient()
        FakeProducer.instances.append(self)

    async def start(self) -> None:
        return None

    async def partitions_for(self, topic: str) -> set[int]:
        self.prefetched.append(topic)
        return {0}

    async def send(self, topic: str, value: bytes, key: bytes, headers: list[tuple[str, bytes]]) -> Any:
        if key in self.refuse:
            raise self.refuse[key]
        self.sent.append((topic, value, key, headers))
        future: asyncio.Future[object] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future

    async def flush(self) -> None:
        return None

    async def stop(self) -> None:
        self.is_stopped = True


@pytest.fixture
async def publisher(monkeypatch: pytest.MonkeyPatch) -> AiokafkaEventPublisher:
    async def no_topics(_: Settings) -> list[str]:
        return []

    FakeProducer.instances.clear()
    monkeypatch.setattr(kafka_publisher, "AIOKafkaProducer", FakeProducer)
    monkeypatch.setattr(kafka_publisher, "ensure_topics", no_topics)
    started = AiokafkaEventPublisher(Settings(kafka_bootstrap_servers="broker:9092"))
    await started.start()
    return started


def record(key: str, topic: str = STUDENT_UPDATED_TOPIC, payload: str | None = None) -> OutboxRecord:
    event_id, correlation_id = uuid.uuid4(), uuid.uuid4()
    envelope = EventEnvelope(
        event_id=event_id,
        event_type=topic,
        event_timestamp=datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC),
        correlation_id=correlation_id,
        data={"student_id": key},
    )
    return OutboxRecord(
        id=0,
        event_id=event_id,
        topic=topic,
        key=key,
        user_id="teacher",
        correlation_id=correlation_id,
        payload=envelope.model_dump_json() if payload is None else payload,
        occurred_at=envelope.event_timestamp,
        attempts=0,
    )


def producer() -> FakeProducer:
    return FakeProducer.instances[-1]


async def test_publishes_the_stored_envelope_keyed_by_aggregate_with_the_design_headers(
    publisher: AiokafkaEventPublisher,
) -> None:
    event = record("student-1")

    assert await publisher.publish([event]) == [None]

    [(topic, value, key, headers)] = producer().sent
    assert (topic, value, key) == (STUDENT_UPDATED_TOPIC, event.payload.encode(), b"student-1")
    assert headers == [
        ("event_id", str(event.event_id).encode()),
        ("event_type", STUDENT_UPDATED_TOPIC.encode()),
        ("correlation_id", str(event.correlation_id).encode()),
        ("schema_version", b"1"),
        ("source_service", b"class_management_service"),
        ("content_type", b"application/json"),
    ]
    assert (producer().config["acks"], producer().config["enable_idempotence"]) == ("all", True)
    assert producer().prefetched == list(ALL_TOPICS)  # no send() ever waits for metadata


async def test_a_row_kafka_cannot_take_fails_alone_and_holds_back_only_later_rows_of_its_key(
    publisher: AiokafkaEventPublisher,
) -> None:
    rows = [record("a", topic="not a topic!"), record("b"), record("a"), record("b", payload="not json")]

    outcomes = await publisher.publish(rows)

    assert outcomes[1] is None
    failures = [outcome for outcome in outcomes if outcome is not None]
    assert [(failure.error, failure.is_transient) for failure in failures] == [
        ("unknown topic 'not a topic!'", False),
        (f"held back behind event {rows[0].event_id}", False),
        ("payload is not an event envelope", False),
    ]
    assert [key for _, _, key, _ in producer().sent] == [b"b"]
    assert publisher.is_started


async def test_a_message_the_broker_refuses_fails_that_row_but_keeps_the_producer(
    publisher: AiokafkaEventPublisher,
) -> None:
    producer().refuse[b"big"] = MessageSizeTooLargeError()

    outcomes = await publisher.publish([record("big"), record("small")])

    assert outcomes[0] is not None
    assert not outcomes[0].is_transient
    assert outcomes[1] is None
    assert publisher.is_started


async def test_an_unreachable_broker_fails_the_rest_of_the_batch_as_transient_and_drops_the_producer(
    publisher: AiokafkaEventPublisher,
) -> None:
    broken = producer()
    broken.refuse[b"b"] = KafkaConnectionError()

    outcomes: Sequence[Any] = await publisher.publish([record("a"), record("b"), record("c")])

    assert outcomes[0] is None
    assert [outcome.is_transient for outcome in outcomes[1:]] == [True, True]
    assert outcomes[2].error.startswith("not sent: KafkaConnectionError")
    assert [key for _, _, key, _ in broken.sent] == [b"a"]
    assert not publisher.is_started
    assert broken.is_stopped


async def test_start_paces_the_producers_metadata_refresh_with_a_backoff(
    publisher: AiokafkaEventPublisher,
) -> None:
    await publisher.start()

    assert isinstance(producer().client._metadata_update, MetadataUpdateBackoff)
