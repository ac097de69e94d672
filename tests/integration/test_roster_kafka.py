"""A roster move's events reach the real Kafka through the relay: one update per changed student."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.events import STUDENT_UPDATED_TOPIC, TEACHER_NOTIFICATION_TOPIC
from tests.api.conftest import Api
from tests.integration.conftest import KafkaTail, outbox_rows, wait_until


async def test_the_events_of_a_move_reach_kafka_once_keyed_by_each_changed_student(
    relay_api: Api, kafka_tail: KafkaTail
) -> None:
    source, target = await relay_api.create_class("7A"), await relay_api.create_class("7B")
    movers = [await relay_api.create_student(class_ids=[source["id"]]) for _ in range(2)]
    settled = await relay_api.create_student(class_ids=[target["id"]])
    before = len(await outbox_rows(relay_api.engine))
    ids = [movers[0]["id"], settled["id"], movers[1]["id"]]

    response = await relay_api.client.post(
        f"/v1/classes/{source['id']}/students/move",
        json={"student_ids": ids, "to_class_id": target["id"]},
        headers=relay_api.headers(),
    )

    assert response.status_code == 200
    rows = (await outbox_rows(relay_api.engine))[before:]
    assert [(row.topic, row.aggregate_id) for row in rows] == [
        (STUDENT_UPDATED_TOPIC, movers[0]["id"]),
        (TEACHER_NOTIFICATION_TOPIC, movers[0]["id"]),
        (STUDENT_UPDATED_TOPIC, movers[1]["id"]),
        (TEACHER_NOTIFICATION_TOPIC, movers[1]["id"]),
    ]
    await kafka_tail.wait_for(row.event_id for row in rows)
    await kafka_tail.poll()  # one more look: a duplicate would show up here
    delivered = kafka_tail.by_event_id()
    for row in rows:
        [message] = delivered[row.event_id]
        assert (message.topic, message.key, message.value) == (
            row.topic,
            row.aggregate_id.encode(),
            row.payload.encode(),
        )
    moves = [json.loads(row.payload)["data"] for row in rows if row.topic == STUDENT_UPDATED_TOPIC]
    assert [(data["add_class_ids"], data["remove_class_ids"]) for data in moves] == [
        ([target["id"]], [source["id"]])
    ] * 2
    assert not [
        m for m in kafka_tail.records if m.key == settled["id"].encode() and m.topic == STUDENT_UPDATED_TOPIC
    ]
    await wait_until(
        lambda: _published(relay_api.engine), within_s=15, what="the move's rows marked published"
    )


async def _published(engine: AsyncEngine) -> bool:
    return all(row.published_at is not None for row in await outbox_rows(engine))
