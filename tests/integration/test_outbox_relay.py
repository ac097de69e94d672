"""The relay against the real broker, Redis and PostgreSQL: wake-up, leaders, outages, crashes, poison."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from itertools import pairwise

from dishka import Provider, Scope, provide
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.app import create_app, relay_runs_in_app
from class_management_service.config import Settings
from class_management_service.di import create_engine
from class_management_service.implementations.messaging.kafka_publisher import AiokafkaEventPublisher
from class_management_service.implementations.postgres.leadership import ADVISORY_LOCK_KEY
from class_management_service.implementations.postgres.outbox_doorbell import OutboxDoorbell
from class_management_service.protocols import EventPublisherProtocol, OutboxRecord, PublishFailure
from tests.api.conftest import Api
from tests.conftest import unique_user
from tests.integration.conftest import (
    KafkaTail,
    StoredEvent,
    envelope_row,
    insert_rows,
    outbox_rows,
    pending_count,
    redis_tail,
    relay_settings,
    running_relay,
    services,
    wait_until,
)


class CountingPublisher(EventPublisherProtocol):
    """The real Kafka publisher, counting what the relay asks of it; can freeze after an ack."""

    def __init__(self, inner: AiokafkaEventPublisher) -> None:
        self.inner = inner
        self.starts = 0
        self.publishes = 0
        self.freeze_after_ack = False
        self.frozen = asyncio.Event()

    @property
    def is_started(self) -> bool:
        return self.inner.is_started

    async def start(self) -> None:
        self.starts += 1
        await self.inner.start()

    async def publish(self, records: Sequence[OutboxRecord]) -> list[PublishFailure | None]:
        self.publishes += 1
        outcomes = await self.inner.publish(records)
        if self.freeze_after_ack:
            # Acked by Kafka, not yet marked in the outbox: the worst moment to die.
            self.frozen.set()
            await asyncio.Event().wait()
        return outcomes

    async def close(self) -> None:
        await self.inner.close()


class CountingProvider(Provider):
    """Overrides the container's publisher with a counting one that tests can reach."""

    def __init__(self) -> None:
        super().__init__(scope=Scope.APP)
        self.publisher: CountingPublisher | None = None

    @provide
    async def event_publisher(self, settings: Settings) -> AsyncIterator[EventPublisherProtocol]:
        self.publisher = CountingPublisher(AiokafkaEventPublisher(settings))
        yield self.publisher
        await self.publisher.close()


def _claims_counter(engine: AsyncEngine) -> list[int]:
    """Counts the relay's claim queries on ``engine`` (the only statement with ``NOT IN``)."""
    claims = [0]

    def count(*args: object) -> None:
        statement = str(args[2])
        if "event_outbox" in statement and "NOT IN" in statement:
            claims[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    return claims


async def _published(engine: AsyncEngine) -> list[StoredEvent]:
    await wait_until(lambda: _nothing_pending(engine), within_s=30, what="an empty outbox backlog")
    return await outbox_rows(engine)


async def _nothing_pending(engine: AsyncEngine) -> bool:
    return await pending_count(engine) == 0


def _assert_delivered_unchanged(tail: KafkaTail, rows: Sequence[StoredEvent]) -> dict[str, int]:
    """Every row arrived, nothing else did, and every copy is the stored envelope byte for byte."""
    delivered = tail.by_event_id()
    assert set(delivered) == {row.event_id for row in rows}
    for row in rows:
        for message in delivered[row.event_id]:
            assert message.value == row.payload.encode()
            assert message.key == row.aggregate_id.encode()
    return {event_id: len(copies) for event_id, copies in delivered.items()}


async def test_relay_is_woken_by_the_writers_doorbell_not_by_polling(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str], kafka_tail: KafkaTail
) -> None:
    settings = relay_settings(postgres_url, services_env, relay_poll_interval_s=60.0)
    doorbell = OutboxDoorbell(clean_pg, interval_s=0.005)  # another process's, as far as the relay can tell
    try:
        async with running_relay(settings, clean_pg):
            await insert_rows(clean_pg, [envelope_row()])
            await _published(clean_pg)  # the first look happens on becoming leader
            await insert_rows(clean_pg, [envelope_row()])
            await asyncio.sleep(0.5)
            assert await pending_count(clean_pg) == 1  # a commit alone wakes nobody: no trigger
            doorbell.ring()
            # Polling would take 60 s; only the NOTIFY can make this quick.
            await wait_until(lambda: _nothing_pending(clean_pg), within_s=5, what="NOTIFY wake-up")
    finally:
        await doorbell.close()
    await kafka_tail.wait_for(row.event_id for row in await outbox_rows(clean_pg))


async def test_two_relays_publish_every_row_exactly_once_across_a_leader_handover(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str], kafka_tail: KafkaTail
) -> None:
    settings = relay_settings(postgres_url, services_env, relay_batch_size=100)
    async with running_relay(settings, clean_pg) as first:
        async with running_relay(settings, clean_pg) as second:
            for _ in range(10):
                await insert_rows(clean_pg, [envelope_row(f"key-{i % 7}") for i in range(100)])
            await _published(clean_pg)
            leader, standby = (first, second) if first.published() else (second, first)
            assert (leader.published(), standby.published()) == (1000, 0)
        # The second relay has stopped (drained); whichever was standby leads now.
        await insert_rows(clean_pg, [envelope_row(f"key-{i % 7}") for i in range(500)])
        await _published(clean_pg)
    rows = await outbox_rows(clean_pg)
    await kafka_tail.wait_for(row.event_id for row in rows)
    await kafka_tail.poll()
    copies = _assert_delivered_unchanged(kafka_tail, rows)
    assert set(copies.values()) == {1}
    assert first.published() + second.published() == 1500


async def test_rows_wait_while_kafka_is_down_and_all_arrive_unchanged_after_it_returns(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str], kafka_tail: KafkaTail
) -> None:
    counting = CountingProvider()
    app = create_app(relay_settings(postgres_url, services_env, kafka_request_timeout_ms=2_000), counting)
    claims = _claims_counter(app.database_engine)
    async with app.test_app() as test_app:
        api = Api(client=test_app.test_client(), engine=clean_pg, user=unique_user())
        await api.create_class()
        await _published(clean_pg)
        assert counting.publisher is not None
        try:
            await services("stop", "kafka")
            await _take_writes_without_spinning(api, counting.publisher, claims)
        finally:
            await services("start", "kafka")
        rows = await _published(clean_pg)
        body = await (await api.client.get("/healthz")).get_json()
    assert len(rows) == 42  # the class, its teacher notification, 40 students
    assert body["status"] == "healthy"
    await kafka_tail.wait_for(row.event_id for row in rows)
    _assert_delivered_unchanged(kafka_tail, rows)


async def _take_writes_without_spinning(api: Api, publisher: CountingPublisher, claims: list[int]) -> None:
    for i in range(10):
        await api.create_student(person_name={"first_name": f"Down{i}", "last_name": "Kafka"})
    await wait_until(lambda: _gave_up(publisher), within_s=15, what="the producer to be dropped")
    health = await api.client.get("/healthz")
    body = await health.get_json()
    assert health.status_code == 200
    assert (body["status"], body["checks"]["kafka"], body["checks"]["redis"]) == ("degraded", "down", "ok")
    assert body["checks"]["outbox"]["pending"] == await pending_count(api.engine) == 10
    failed = [row for row in await outbox_rows(api.engine) if row.attempts]
    assert failed
    assert all(row.last_error and row.next_attempt_at for row in failed)

    # Three seconds with Kafka down and a write (so a NOTIFY) every 0.1 s: no hot loop.
    starts, publishes, claimed = publisher.starts, publisher.publishes, claims[0]
    for i in range(30):
        await api.create_student(person_name={"first_name": f"Busy{i}", "last_name": "Kafka"})
        await asyncio.sleep(0.1)
    activity = (publisher.publishes - publishes, claims[0] - claimed, publisher.starts - starts)
    # The backoff is capped at 1 s here, so about four attempts; a spinning loop makes thousands.
    assert activity[:2] == (0, 0), activity
    assert activity[2] <= 8, activity


async def _gave_up(publisher: CountingPublisher) -> bool:
    return not publisher.is_started and publisher.starts >= 2


async def test_api_starts_and_serves_when_kafka_and_redis_are_unreachable_at_startup(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str]
) -> None:
    counting = CountingProvider()
    dead = closed_port()
    settings = relay_settings(
        postgres_url,
        services_env,
        kafka_bootstrap_servers=f"127.0.0.1:{dead}",
        redis_url=f"redis://127.0.0.1:{dead}/0",
    )
    async with create_app(settings, counting).test_app() as test_app:
        api = Api(client=test_app.test_client(), engine=clean_pg, user=unique_user())
        await api.create_class()
        for i in range(20):
            await api.create_student(person_name={"first_name": f"Early{i}", "last_name": "Bird"})
            await asyncio.sleep(0.1)  # two seconds of writes, each a NOTIFY
        body = await (await api.client.get("/healthz")).get_json()
        publisher = counting.publisher
        assert publisher is not None
        starts, publishes = publisher.starts, publisher.publishes
    assert (body["status"], body["checks"]["kafka"], body["checks"]["redis"]) == ("degraded", "down", "down")
    assert body["checks"]["outbox"]["pending"] == 22  # the class, its teacher notification, 20 students
    assert publishes == 0
    # Backoff from 0.1 s doubling to a 1 s cap: about six attempts in two seconds, never a spin.
    assert 2 <= starts <= 10, starts


async def test_relay_stays_off_and_rows_wait_when_kafka_is_not_configured(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str]
) -> None:
    settings = relay_settings(postgres_url, services_env, kafka_bootstrap_servers="")
    async with create_app(settings).test_app() as test_app:
        api = Api(client=test_app.test_client(), engine=clean_pg, user=unique_user())
        await api.create_class()
        body = await (await api.client.get("/healthz")).get_json()
        leaders = await _advisory_lock_holders(clean_pg)
    assert not relay_runs_in_app(settings)
    assert (body["status"], body["checks"]["kafka"], body["checks"]["outbox"]["pending"]) == (
        "healthy",
        "disabled",
        2,  # the class and its teacher notification
    )
    assert leaders == 0
    command = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "class_management_service",
        "relay",
        env={
            **_relay_env(postgres_url, services_env),
            "CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS": "",
        },
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await command.communicate()
    assert command.returncode != 0
    assert b"KAFKA_BOOTSTRAP_SERVERS is empty" in stderr


async def test_only_one_relay_holds_the_leader_lock_and_a_standby_takes_over_when_it_stops(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str]
) -> None:
    settings = relay_settings(postgres_url, services_env)
    async with running_relay(settings, clean_pg) as first:
        await insert_rows(clean_pg, [envelope_row()])
        await _published(clean_pg)
        async with running_relay(settings, clean_pg) as second:
            await insert_rows(clean_pg, [envelope_row()])
            await _published(clean_pg)
            assert await _advisory_lock_holders(clean_pg) == 1
            assert (first.published(), second.published()) == (2, 0)
            await first.relay.stop()
            await insert_rows(clean_pg, [envelope_row()])
            await _published(clean_pg)
            assert second.published() == 1
            assert await _advisory_lock_holders(clean_pg) == 1


async def test_poison_row_backs_off_with_growing_delays_and_blocks_only_its_own_key(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str], kafka_tail: KafkaTail
) -> None:
    poison, held, *healthy = [
        envelope_row("key-poison", topic="not a valid topic!"),
        envelope_row("key-poison"),
        envelope_row("key-a"),
        envelope_row("key-b"),
        envelope_row("key-a"),
    ]
    await insert_rows(clean_pg, [poison, held, *healthy])
    settings = relay_settings(postgres_url, services_env, relay_poll_interval_s=0.05, relay_max_backoff_s=5.0)
    retries: dict[int, datetime | None] = {}

    async def retried_four_times() -> bool:
        [row] = await outbox_rows(clean_pg, "event_id = :id", id=poison["event_id"])
        retries.setdefault(row.attempts, row.next_attempt_at)
        return row.attempts >= 5

    async with running_relay(settings, clean_pg):
        await wait_until(
            retried_four_times, within_s=15, interval=0.01, what="five attempts of the poison row"
        )
    await kafka_tail.wait_for(str(row["event_id"]) for row in healthy)
    await kafka_tail.poll()

    rows = {row.event_id: row for row in await outbox_rows(clean_pg)}
    stuck = rows[str(poison["event_id"])]
    assert stuck.published_at is None
    assert stuck.last_error == "unknown topic 'not a valid topic!'"
    assert rows[str(held["event_id"])].published_at is None
    assert all(rows[str(row["event_id"])].published_at for row in healthy)
    assert set(kafka_tail.event_ids()) == {str(row["event_id"]) for row in healthy}
    moments = [moment for attempt, moment in sorted(retries.items()) if attempt >= 1 and moment]
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(moments)]
    assert all(gap > 0 for gap in gaps), gaps
    assert gaps[-1] > gaps[0], gaps


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def _advisory_lock_holders(engine: AsyncEngine) -> int:
    key = ADVISORY_LOCK_KEY
    async with engine.connect() as connection:
        holders = await connection.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND classid = :high AND objid = :low AND objsubid = 1"
            ),
            {"high": key >> 32, "low": key & 0xFFFF_FFFF},
        )
    return int(holders or 0)


def _relay_env(postgres_url: str, services_env: dict[str, str]) -> dict[str, str]:
    inherited = {
        name: value for name, value in os.environ.items() if not name.startswith("CLASS_MANAGEMENT_SERVICE_")
    }
    return {
        **inherited,
        **{
            name: value
            for name, value in services_env.items()
            if name.startswith("CLASS_MANAGEMENT_SERVICE_")
        },
        "CLASS_MANAGEMENT_SERVICE_DATABASE_URL": postgres_url,
        "CLASS_MANAGEMENT_SERVICE_LOG_LEVEL": "WARNING",
        "CLASS_MANAGEMENT_SERVICE_RELAY_METRICS_PORT": str(closed_port()),  # free: runs may overlap
    }


async def test_kafka_delivery_goes_on_while_redis_is_down_and_notifications_resume_after_it_returns(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str], kafka_tail: KafkaTail
) -> None:
    redis_url = services_env["CLASS_MANAGEMENT_SERVICE_REDIS_URL"]
    async with create_app(relay_settings(postgres_url, services_env)).test_app() as test_app:
        api = Api(client=test_app.test_client(), engine=clean_pg, user=unique_user())
        try:
            await services("stop", "redis")
            for i in range(3):
                await api.create_student(person_name={"first_name": f"NoRedis{i}", "last_name": "Down"})
            await kafka_tail.wait_for(row.event_id for row in await _published(clean_pg))
            await wait_until(lambda: _notification_failures(api), within_s=10, what="counted Redis failures")
            body = await (await api.client.get("/healthz")).get_json()
        finally:
            await services("start", "redis")
        assert (body["status"], body["checks"]["kafka"], body["checks"]["redis"]) == (
            "degraded",
            "ok",
            "down",
        )
        async with redis_tail(redis_url, f"ws:{api.user}") as redis:
            student = await api.create_student(person_name={"first_name": "Back", "last_name": "Again"})
            await redis.wait_for(1)
    [(channel, message)] = redis.messages
    assert channel == f"ws:{api.user}"
    assert message["event"] == "student_created"
    assert message["data"]["student_id"] == student["id"]


async def _notification_failures(api: Api) -> bool:
    metrics = await (await api.client.get("/metrics")).get_data(as_text=True)
    return any(
        line.startswith("cms_redis_notification_failures_total ") and float(line.split()[1]) >= 1
        for line in metrics.splitlines()
    )


async def test_relay_cancelled_between_ack_and_mark_resends_only_with_the_same_event_ids(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str], kafka_tail: KafkaTail
) -> None:
    settings = relay_settings(postgres_url, services_env, relay_batch_size=100)
    await insert_rows(clean_pg, [envelope_row(f"key-{i % 10}") for i in range(300)])
    counting = CountingProvider()
    async with running_relay(settings, clean_pg, counting, start=False) as doomed:
        assert counting.publisher is not None
        counting.publisher.freeze_after_ack = True
        task = asyncio.create_task(doomed.relay.run())
        await asyncio.wait_for(counting.publisher.frozen.wait(), timeout=10)
        task.cancel()  # dies with 100 rows acknowledged by Kafka but not marked
        await asyncio.gather(task, return_exceptions=True)
    assert await pending_count(clean_pg) == 300
    async with running_relay(settings, clean_pg):
        rows = await _published(clean_pg)
    await kafka_tail.wait_for(row.event_id for row in rows)
    await kafka_tail.poll()
    copies = _assert_delivered_unchanged(kafka_tail, rows)
    assert sorted(copies.values()) == [1] * 200 + [2] * 100
    assert {copies[row.event_id] for row in rows[:100]} == {2}


async def test_relay_process_killed_mid_backlog_loses_nothing_once_a_relay_runs_again(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str], kafka_tail: KafkaTail
) -> None:
    backlog = 20_000
    await insert_rows(clean_pg, [envelope_row(f"key-{i % 100}") for i in range(backlog)])
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "class_management_service", "relay", env=_relay_env(postgres_url, services_env)
    )
    try:
        await wait_until(
            lambda: _pending_below(clean_pg, backlog - 2_000),
            within_s=30,
            interval=0.01,
            what="relay progress",
        )
    finally:
        process.send_signal(signal.SIGKILL)
        await process.wait()
    left = await pending_count(clean_pg)
    async with running_relay(relay_settings(postgres_url, services_env), clean_pg):
        rows = await _published(clean_pg)
    await kafka_tail.wait_for((row.event_id for row in rows), within_s=60)
    await kafka_tail.poll()
    copies = _assert_delivered_unchanged(kafka_tail, rows)
    assert 0 < left < backlog - 2_000  # killed mid-backlog
    assert len(copies) == backlog
    assert set(copies.values()) <= {1, 2}


async def _pending_below(engine: AsyncEngine, count: int) -> bool:
    return await pending_count(engine) < count


async def test_two_relays_on_sqlite_poll_and_publish_each_row_once(
    sqlite_url: str, services_env: dict[str, str], kafka_tail: KafkaTail
) -> None:
    settings = relay_settings(sqlite_url, services_env, relay_poll_interval_s=0.05)
    engine = create_engine(settings)
    try:
        await insert_rows(engine, [envelope_row(f"key-{i % 5}") for i in range(50)])
        async with running_relay(settings, engine) as first, running_relay(settings, engine) as second:
            rows = await _published(engine)
            published = sorted([first.published(), second.published()])
    finally:
        await engine.dispose()
    await kafka_tail.wait_for(row.event_id for row in rows)
    await kafka_tail.poll()
    assert published == [0, 50]
    assert set(_assert_delivered_unchanged(kafka_tail, rows).values()) == {1}
