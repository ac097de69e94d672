"""Real-broker helpers: Kafka and Redis tails, outbox rows, relays built by the real container."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from dishka import AsyncContainer, Provider, make_async_container
from quart.testing.app import TestApp
from redis.asyncio import Redis
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.app import create_app
from class_management_service.config import Settings
from class_management_service.di import providers_for
from class_management_service.domain.events import ALL_TOPICS, STUDENT_UPDATED_TOPIC, EventEnvelope
from class_management_service.implementations.messaging.kafka_topics import ensure_topics
from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.models_db import event_outbox
from class_management_service.relay.outbox_relay import OutboxRelay
from class_management_service.relay_process import relay_context
from tests.api.conftest import Api
from tests.conftest import REPO_ROOT, scratch_database, unique_user

SERVICES_SCRIPT = REPO_ROOT / "scripts" / "services.sh"


async def wait_until(
    check: Callable[[], Awaitable[bool]], within_s: float = 20.0, interval: float = 0.05, what: str = ""
) -> None:
    """Poll ``check`` until it holds; fail with ``what`` once ``within_s`` seconds have passed."""
    deadline = time.monotonic() + within_s
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {within_s}s waiting for {what or check}")
        await asyncio.sleep(interval)


async def services(action: str, service: str) -> None:
    """``scripts/services.sh stop|start kafka|redis`` without blocking the event loop."""
    process = await asyncio.create_subprocess_exec(
        str(SERVICES_SCRIPT),
        action,
        service,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()


def relay_settings(database_url: str, services_env: dict[str, str], **overrides: object) -> Settings:
    """Real Kafka and Redis, and timings short enough for tests."""
    values: dict[str, object] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": services_env["CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS"],
        "redis_url": services_env["CLASS_MANAGEMENT_SERVICE_REDIS_URL"],
        "relay_poll_interval_s": 0.2,
        "relay_initial_backoff_s": 0.1,
        "relay_max_backoff_s": 1.0,
        "relay_drain_timeout_s": 3.0,
        "log_level": "WARNING",
        **overrides,
    }
    return Settings.model_validate(values)


@dataclass
class RelayHandle:
    """A relay built by the service's own container, plus its metrics registry."""

    relay: OutboxRelay
    container: AsyncContainer
    metrics: PrometheusRelayMetrics

    def published(self) -> float:
        return self.metrics.registry.get_sample_value("cms_outbox_published_total") or 0.0


@asynccontextmanager
async def running_relay(
    settings: Settings, engine: AsyncEngine, *overrides: Provider, start: bool = True
) -> AsyncIterator[RelayHandle]:
    """A relay built the way ``python -m class_management_service relay`` builds it, stopped after."""
    context = relay_context(settings, engine)
    metrics = context[PrometheusRelayMetrics]
    assert isinstance(metrics, PrometheusRelayMetrics)
    container = make_async_container(*providers_for(settings), *overrides, context=context)
    relay = await container.get(OutboxRelay)
    if start:
        relay.start()
    try:
        yield RelayHandle(relay, container, metrics)
    finally:
        await relay.stop()
        await container.close()


@dataclass
class KafkaTail:
    """Everything that lands on the service's topics after the tail was opened, in arrival order."""

    consumer: AIOKafkaConsumer
    records: list[ConsumerRecord[bytes, bytes]] = field(default_factory=list)

    async def poll(self) -> None:
        batches = await self.consumer.getmany(timeout_ms=100)
        for partition in sorted(batches, key=lambda tp: (tp.topic, tp.partition)):
            self.records.extend(batches[partition])

    async def wait_for(self, event_ids: Iterable[uuid.UUID | str], within_s: float = 30.0) -> None:
        """Until every one of ``event_ids`` arrived at least once."""
        wanted = {str(event_id) for event_id in event_ids}

        async def arrived() -> bool:
            await self.poll()
            return wanted <= set(self.event_ids())

        await wait_until(arrived, within_s, interval=0, what=f"{len(wanted)} events on Kafka")

    def event_ids(self) -> list[str]:
        return [header(record, "event_id") for record in self.records]

    def by_event_id(self) -> dict[str, list[ConsumerRecord[bytes, bytes]]]:
        found: dict[str, list[ConsumerRecord[bytes, bytes]]] = {}
        for record in self.records:
            found.setdefault(header(record, "event_id"), []).append(record)
        return found


def header(record: ConsumerRecord[bytes, bytes], name: str) -> str:
    value: bytes = dict(record.headers)[name]
    return value.decode()


@pytest.fixture(scope="session")
def kafka_bootstrap(services_env: dict[str, str]) -> str:
    return services_env["CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS"]


@pytest.fixture(scope="session")
async def kafka_partitions(kafka_bootstrap: str) -> list[TopicPartition]:
    """Every partition of the service's topics, created first if missing."""
    await ensure_topics(Settings(kafka_bootstrap_servers=kafka_bootstrap))
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(list(ALL_TOPICS))
    finally:
        await admin.close()
    return [
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        for partition in topic["partitions"]
    ]


@pytest.fixture
async def kafka_tail(
    kafka_bootstrap: str, kafka_partitions: list[TopicPartition]
) -> AsyncIterator[KafkaTail]:
    """A consumer in a group of its own, reading from the end offsets taken before the test acts."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap,
        group_id=f"cms-test-{uuid.uuid4().hex}",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        consumer.assign(kafka_partitions)
        for partition, offset in (await consumer.end_offsets(kafka_partitions)).items():
            consumer.seek(partition, offset)
        yield KafkaTail(consumer)
    finally:
        await consumer.stop()


@asynccontextmanager
async def redis_tail(redis_url: str, *channels: str) -> AsyncIterator[RedisSubscription]:
    """Subscribe first, act inside the block, then read what arrived."""
    client = Redis.from_url(redis_url)
    pubsub = client.pubsub()
    await pubsub.subscribe(*channels)
    try:
        yield RedisSubscription(pubsub)
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()


@dataclass
class RedisSubscription:
    """An open subscription and the messages read from it so far (decoded JSON)."""

    pubsub: Any
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def wait_for(self, count: int, within_s: float = 15.0) -> None:
        async def enough() -> bool:
            message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=0.1)
            if message is not None:
                self.messages.append((message["channel"].decode(), orjson.loads(message["data"])))
            return len(self.messages) >= count

        await wait_until(enough, within_s, interval=0, what=f"{count} Redis messages")


@dataclass(frozen=True)
class StoredEvent:
    """One ``event_outbox`` row as the tests compare it with what Kafka delivered."""

    id: int
    event_id: str
    topic: str
    aggregate_id: str
    user_id: str
    payload: str
    published_at: datetime | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None


async def outbox_rows(engine: AsyncEngine, where: str = "TRUE", **params: object) -> list[StoredEvent]:
    """``event_outbox`` rows in id order, read through the typed table (SQLite returns datetimes too)."""
    columns = [getattr(event_outbox.c, name) for name in StoredEvent.__dataclass_fields__]
    statement = select(*columns).where(text(where)).order_by(event_outbox.c.id)
    async with engine.connect() as connection:
        rows = (await connection.execute(statement, params)).all()
    return [StoredEvent(**{**row._asdict(), "event_id": str(row.event_id)}) for row in rows]


async def pending_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(text("SELECT count(*) FROM event_outbox WHERE published_at IS NULL"))
    return int(count or 0)


def envelope_row(
    key: str | None = None, topic: str = STUDENT_UPDATED_TOPIC, user: str = "teacher-relay", **data: object
) -> dict[str, object]:
    """An outbox row as the repositories write it, for tests that insert rows directly."""
    event_id, correlation_id, now = uuid.uuid4(), uuid.uuid4(), datetime.now(UTC)
    envelope = EventEnvelope(
        event_id=event_id,
        event_type=topic,
        event_timestamp=now,
        correlation_id=correlation_id,
        data={"event": "student.updated", "student_id": key, **data},
    )
    return {
        "event_id": event_id,
        "topic": topic,
        "aggregate_type": "student",
        "aggregate_id": key or str(uuid.uuid4()),
        "user_id": user,
        "correlation_id": correlation_id,
        "payload": envelope.model_dump_json(),
        "occurred_at": now,
    }


async def insert_rows(engine: AsyncEngine, rows: list[dict[str, object]]) -> None:
    async with engine.begin() as connection:
        await connection.execute(event_outbox.insert(), rows)


@pytest.fixture
async def empty_postgres_url(services_env: dict[str, str]) -> AsyncIterator[str]:
    """A new PostgreSQL database with no tables at all, dropped after the test.

    For tests that run ``migrate`` themselves, and for processes that must not share the
    session database (its relay advisory lock) with other tests.
    """
    async with scratch_database(services_env, "cms_empty") as url:
        yield url


# The relay's drain (``relay_drain_timeout_s``) plus the consumer's stop must fit in the app's
# shutdown; Quart's test default (6 s) is too short on a loaded 2-core host.
APP_SHUTDOWN_TIMEOUT_S = 30


@asynccontextmanager
async def serving_app(settings: Settings, engine: AsyncEngine) -> AsyncIterator[Api]:
    """The app built from ``settings`` with its serving tasks (relay, consumer) running, as a client."""
    async with TestApp(create_app(settings), shutdown_timeout=APP_SHUTDOWN_TIMEOUT_S) as test_app:
        yield Api(client=test_app.test_client(), engine=engine, user=unique_user())


@pytest.fixture
async def relay_api(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str]
) -> AsyncIterator[Api]:
    """The app with Kafka and Redis configured, so its relay runs as a serving task."""
    async with serving_app(relay_settings(postgres_url, services_env), clean_pg) as api:
        yield api
