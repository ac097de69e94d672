"""An import's events reach Kafka through the relay: one per student and a summary; a re-upload, none."""

from __future__ import annotations

import json

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.events import (
    STUDENT_CREATED_TOPIC,
    STUDENT_UPDATED_TOPIC,
    TEACHER_NOTIFICATION_TOPIC,
)
from tests.api.conftest import Api
from tests.integration.conftest import KafkaTail, outbox_rows, wait_until

ROSTER = (
    "\ufeffgivenName;familyName;sourcedId;email\r\n"
    'Ada;Lovelace;sis-1;ada@example.com\r\n"Alan, M.";Turing;sis-2;alan@example.com\r\n'
    "Grace;Hopper;sis-3;\r\n"
)
IMPORT = "/v1/classes/students/import"


async def _upload(api: Api, csv: str, **query: str) -> dict[str, object]:
    headers = {**api.headers(), "Content-Type": "text/csv"}
    response = await api.client.post(IMPORT, data=csv.encode(), headers=headers, query_string=query)
    assert response.status_code == 200, await response.get_data(as_text=True)
    body: dict[str, object] = await response.get_json()
    return body


async def _published(engine: AsyncEngine) -> None:
    async def none_pending() -> bool:
        return all(row.published_at is not None for row in await outbox_rows(engine))

    await wait_until(none_pending, within_s=20, what="every outbox row published")


async def test_an_imports_events_arrive_on_kafka_once_each_and_a_re_upload_publishes_nothing(
    relay_api: Api, kafka_tail: KafkaTail
) -> None:
    school_class = await relay_api.create_class()
    before = len(await outbox_rows(relay_api.engine))  # the class's own events
    body = await _upload(relay_api, ROSTER, class_ids=school_class["id"])
    assert body["counts"] == {"created": 3, "updated": 0, "unchanged": 0, "skipped": 0, "invalid": 0}
    await _published(relay_api.engine)
    rows = (await outbox_rows(relay_api.engine))[before:]
    assert [row.topic for row in rows] == [STUDENT_CREATED_TOPIC] * 3 + [TEACHER_NOTIFICATION_TOPIC]
    await kafka_tail.wait_for(row.event_id for row in rows)
    delivered = kafka_tail.by_event_id()
    student_ids = [result["student_id"] for result in body["results"]]  # type: ignore[attr-defined]
    for row, student_id in zip(rows, [*student_ids, None], strict=True):
        [message] = delivered[row.event_id]
        assert message.value == row.payload.encode()
        if student_id is not None:
            data = json.loads(message.value)["data"]
            assert message.key == str(student_id).encode()
            assert data["student_id"] == student_id
            assert data["class_ids"] == [school_class["id"]]
    names = [json.loads(delivered[row.event_id][0].value)["data"]["first_name"] for row in rows[:3]]
    assert names == ["Ada", "Alan, M.", "Grace"]
    summary = json.loads(rows[-1].payload)["data"]
    assert (summary["notification_type"], summary["payload"]["created"]) == ("student_roster_imported", 3)

    again = await _upload(relay_api, ROSTER, class_ids=school_class["id"])
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 3, "skipped": 0, "invalid": 0}
    assert len((await outbox_rows(relay_api.engine))[before:]) == len(rows)

    renamed = ROSTER.replace("Hopper", "Murray Hopper")
    await _upload(relay_api, renamed, mode="upsert")
    await _published(relay_api.engine)
    latest = (await outbox_rows(relay_api.engine))[before + len(rows) :]
    assert [row.topic for row in latest] == [STUDENT_UPDATED_TOPIC, TEACHER_NOTIFICATION_TOPIC]
    await kafka_tail.wait_for(row.event_id for row in latest)
    await kafka_tail.poll()  # one more look: a duplicate would show up here
    assert all(len(kafka_tail.by_event_id()[row.event_id]) == 1 for row in [*rows, *latest])
    update = json.loads(latest[0].payload)["data"]
    assert (update["last_name"], update["student_id"]) == ("Murray Hopper", student_ids[2])
