"""API writes reach Kafka and Redis through the relay running inside the app (real broker, Redis, PG)."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.events import (
    CLASS_CREATED_TOPIC,
    CLASS_DELETED_TOPIC,
    CLASS_UPDATED_TOPIC,
    NOTIFICATION_BY_TOPIC,
    SCHEMA_VERSION,
    SOURCE_SERVICE,
    STUDENT_CREATED_TOPIC,
    STUDENT_DELETED_TOPIC,
    STUDENT_UPDATED_TOPIC,
    TEACHER_NOTIFICATION_TOPIC,
)
from tests.api.conftest import Api
from tests.integration.conftest import (
    KafkaTail,
    StoredEvent,
    header,
    outbox_rows,
    redis_tail,
    wait_until,
)


async def _all_published(engine: AsyncEngine) -> list[StoredEvent]:
    rows = await outbox_rows(engine)
    await wait_until(lambda: _none_pending(engine), within_s=15, what="every outbox row marked published")
    return rows


async def _none_pending(engine: AsyncEngine) -> bool:
    return all(row.published_at is not None for row in await outbox_rows(engine))


async def _write_one_of_each(api: Api) -> None:
    headers = api.headers()
    school_class = await api.create_class()
    class_path = f"/v1/classes/{school_class['id']}"
    assert (await api.client.put(class_path, json={"name": "9B"}, headers=headers)).status_code == 200
    student = await api.create_student(class_ids=[school_class["id"]])
    student_path = f"/v1/classes/students/{student['id']}"
    rename = {"person_name": {"first_name": "Grace", "last_name": "Hopper"}}
    assert (await api.client.put(student_path, json=rename, headers=headers)).status_code == 200
    assert (await api.client.delete(student_path, headers=headers)).status_code == 200
    assert (await api.client.delete(class_path, headers=headers)).status_code == 200


async def test_each_api_write_reaches_kafka_once_and_redis_once_when_relay_runs_in_app(
    relay_api: Api, kafka_tail: KafkaTail, services_env: dict[str, str]
) -> None:
    channel = f"ws:{relay_api.user}"
    async with redis_tail(services_env["CLASS_MANAGEMENT_SERVICE_REDIS_URL"], channel) as redis:
        await _write_one_of_each(relay_api)
        rows = await _all_published(relay_api.engine)
        # The teacher notifications reach browsers through the platform's WebSocket service only.
        direct = [row for row in rows if row.topic in NOTIFICATION_BY_TOPIC]
        await kafka_tail.wait_for(row.event_id for row in rows)
        await redis.wait_for(len(direct))
    await kafka_tail.poll()  # one more look: a duplicate would show up here

    assert [row.topic for row in rows] == [
        CLASS_CREATED_TOPIC,
        TEACHER_NOTIFICATION_TOPIC,  # class_created
        CLASS_UPDATED_TOPIC,
        STUDENT_CREATED_TOPIC,
        TEACHER_NOTIFICATION_TOPIC,  # student_added_to_class
        STUDENT_UPDATED_TOPIC,
        STUDENT_DELETED_TOPIC,
        CLASS_DELETED_TOPIC,
    ]
    delivered = kafka_tail.by_event_id()
    for row in rows:
        [message] = delivered[row.event_id]
        envelope = json.loads(row.payload)
        assert message.topic == row.topic
        assert message.key == row.aggregate_id.encode()
        assert message.value == row.payload.encode()
        assert dict(message.headers) == {
            "event_id": row.event_id.encode(),
            "event_type": row.topic.encode(),
            "correlation_id": envelope["correlation_id"].encode(),
            "schema_version": str(SCHEMA_VERSION).encode(),
            "source_service": SOURCE_SERVICE.encode(),
            "content_type": b"application/json",
        }
    assert redis.messages == [
        (channel, {"event": NOTIFICATION_BY_TOPIC[row.topic], "data": json.loads(row.payload)["data"]})
        for row in direct
    ]
    metrics = await _metrics(relay_api)
    assert metrics["cms_outbox_published_total"] == metrics["cms_outbox_commit_to_ack_seconds_count"] == 8
    assert (
        metrics["cms_outbox_publish_failures_total"] == metrics["cms_redis_notification_failures_total"] == 0
    )
    assert metrics["cms_relay_batch_duration_seconds_count"] >= 1
    # The embedded mode: this one process runs the relay, so it owns both kinds of series.
    assert metrics["cms_relay_leader"] == 1
    assert metrics["cms_outbox_pending"] == 0
    assert any(name.startswith("cms_http_requests_total{") for name in metrics)


async def _metrics(api: Api) -> dict[str, float]:
    text = await (await api.client.get("/metrics")).get_data(as_text=True)
    samples = (line.split() for line in text.splitlines() if line and not line.startswith("#"))
    return {sample[0]: float(sample[1]) for sample in samples if len(sample) == 2}


async def test_concurrent_updates_of_one_student_arrive_on_kafka_in_commit_order(
    relay_api: Api, kafka_tail: KafkaTail
) -> None:
    student = await relay_api.create_student()
    path = f"/v1/classes/students/{student['id']}"

    async def rename(i: int) -> int:
        body = {"person_name": {"first_name": f"name-{i:03d}", "last_name": "Concurrent"}}
        response = await relay_api.client.put(path, json=body, headers=relay_api.headers())
        return response.status_code

    statuses = await asyncio.gather(*(rename(i) for i in range(200)))

    assert set(statuses) == {200}
    rows = await outbox_rows(relay_api.engine, "aggregate_id = :key", key=student["id"])
    assert len(rows) == 201
    await kafka_tail.wait_for(row.event_id for row in rows)
    arrived = [record for record in kafka_tail.records if record.key == student["id"].encode()]
    assert [header(record, "event_id") for record in arrived] == [row.event_id for row in rows]
    sent_names = [json.loads(row.payload)["data"]["first_name"] for row in rows[1:]]
    arrived_names = [json.loads(record.value or b"")["data"]["first_name"] for record in arrived[1:]]
    assert arrived_names == sent_names
    assert sorted(sent_names) == [f"name-{i:03d}" for i in range(200)]
    final = await relay_api.get_json(path)
    assert final["first_name"] == arrived_names[-1]
