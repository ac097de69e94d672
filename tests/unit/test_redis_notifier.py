"""RedisNotificationPublisher over stubs and a silent server: shape, order, failures, timeouts."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from class_management_service.domain.events import CLASS_DELETED_TOPIC, STUDENT_CREATED_TOPIC
from class_management_service.implementations.messaging import redis_notifier
from class_management_service.implementations.messaging.redis_notifier import (
    RedisNotificationPublisher,
    create_redis_client,
    notification_message,
)
from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.protocols import OutboxRecord


def record(topic: str, user: str = "teacher-9", data: dict[str, Any] | None = None) -> OutboxRecord:
    payload = json.dumps({"event_id": str(uuid.uuid4()), "event_type": topic, "data": data or {"x": 1}})
    return OutboxRecord(1, uuid.uuid4(), topic, "key", user, uuid.uuid4(), payload, datetime.now(UTC), 0)


class StubPipeline:
    def __init__(self, client: StubRedis) -> None:
        self.client = client
        self.commands: list[tuple[str, bytes]] = []

    def publish(self, channel: str, message: bytes) -> None:
        self.commands.append((channel, message))

    async def execute(self) -> None:
        if self.client.is_down:
            raise ConnectionError("redis down")
        self.client.published.extend(self.commands)


class StubRedis:
    """Records what was published through pipelines; can pretend to be down."""

    def __init__(self, is_down: bool = False) -> None:
        self.is_down = is_down
        self.published: list[tuple[str, bytes]] = []
        self.transactions: list[bool] = []

    def pipeline(self, transaction: bool) -> StubPipeline:
        self.transactions.append(transaction)
        return StubPipeline(self)


def failures(metrics: PrometheusRelayMetrics) -> float:
    return metrics.registry.get_sample_value("cms_redis_notification_failures_total") or 0.0


def test_message_is_the_websocket_shape_with_the_envelope_data() -> None:
    message = notification_message(
        record(STUDENT_CREATED_TOPIC, data={"student_id": "s-1", "first_name": "Ada"})
    )

    assert json.loads(message) == {
        "event": "student_created",
        "data": {"student_id": "s-1", "first_name": "Ada"},
    }


async def test_batches_go_out_in_order_on_each_teachers_channel() -> None:
    client, metrics = StubRedis(), PrometheusRelayMetrics()
    notifier = RedisNotificationPublisher(client, metrics)  # type: ignore[arg-type]

    notifier.notify([record(STUDENT_CREATED_TOPIC, "t1"), record(CLASS_DELETED_TOPIC, "t2")])
    notifier.notify([record(STUDENT_CREATED_TOPIC, "t1")])
    await notifier.close()

    assert [channel for channel, _ in client.published] == ["ws:t1", "ws:t2", "ws:t1"]
    assert client.transactions == [False, False]  # pipelined, not MULTI/EXEC
    assert [json.loads(message)["event"] for _, message in client.published] == [
        "student_created",
        "class_deleted",
        "student_created",
    ]
    assert failures(metrics) == 0


async def test_a_redis_outage_is_counted_per_notification_and_never_raises() -> None:
    client, metrics = StubRedis(is_down=True), PrometheusRelayMetrics()
    notifier = RedisNotificationPublisher(client, metrics)  # type: ignore[arg-type]

    notifier.notify([record(STUDENT_CREATED_TOPIC), record(STUDENT_CREATED_TOPIC)])
    await notifier.close()
    client.is_down = False
    notifier.notify([record(STUDENT_CREATED_TOPIC)])
    await notifier.close()

    assert failures(metrics) == 2
    assert len(client.published) == 1


async def test_notify_never_waits_for_redis_and_drops_what_does_not_fit_in_the_queue() -> None:
    gate = asyncio.Event()

    class SlowRedis(StubRedis):
        def pipeline(self, transaction: bool) -> StubPipeline:
            pipeline = super().pipeline(transaction)
            original = pipeline.execute

            async def execute() -> None:
                await gate.wait()
                await original()

            pipeline.execute = execute  # type: ignore[method-assign]
            return pipeline

    client, metrics = SlowRedis(), PrometheusRelayMetrics()
    notifier = RedisNotificationPublisher(client, metrics)  # type: ignore[arg-type]

    for _ in range(150):  # the worker holds one batch, the queue 100, the rest are dropped
        notifier.notify([record(STUDENT_CREATED_TOPIC)])
    gate.set()
    await notifier.close()

    assert failures(metrics) + len(client.published) == 150
    assert failures(metrics) >= 49


async def test_a_redis_that_accepts_but_never_answers_costs_one_batch_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The client has no per-read socket timeout: the batch's own timeout must bound the wait.
    monkeypatch.setattr(redis_notifier, "SEND_TIMEOUT_S", 0.2)
    silent = await asyncio.start_server(_swallow, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    client, metrics = create_redis_client(f"redis://127.0.0.1:{port}/0"), PrometheusRelayMetrics()
    notifier = RedisNotificationPublisher(client, metrics)
    started = time.monotonic()
    try:
        notifier.notify([record(STUDENT_CREATED_TOPIC), record(STUDENT_CREATED_TOPIC)])
        await notifier.close()
    finally:
        silent.close()
        await client.aclose()

    assert failures(metrics) == 2
    assert time.monotonic() - started < 1.5


async def _swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while await reader.read(4096):
        pass  # reads every command, answers none
    writer.close()
