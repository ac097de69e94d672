"""Topics on the real broker: created with the configured partitions; one entity, one partition.

The broker's own default (``num.partitions``) equals the service's default, so creation is tested
with a partition count nobody else uses, on topic names of this test's own.
"""

from __future__ import annotations

import uuid
from collections import defaultdict

from aiokafka.admin import AIOKafkaAdminClient

from class_management_service.config import Settings
from class_management_service.domain.events import ALL_TOPICS
from class_management_service.implementations.messaging.kafka_topics import ensure_topics
from tests.api.conftest import Api
from tests.integration.conftest import KafkaTail, header, outbox_rows, wait_until

UNUSUAL_PARTITIONS = 5


async def _partitions_by_topic(bootstrap: str, topics: list[str]) -> dict[str, int]:
    """Partition count per topic, once the broker describes every one of them without error."""
    found: dict[str, int] = {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()

    async def described() -> bool:
        answer = await admin.describe_topics(topics)
        found.clear()
        found.update({t["topic"]: len(t["partitions"]) for t in answer if t["error_code"] == 0})
        return len(found) == len(topics)

    try:
        await wait_until(described, within_s=15, interval=0.2, what=f"{topics} described")
    finally:
        await admin.close()
    return found


async def test_ensure_topics_creates_missing_topics_with_the_configured_partitions_once(
    kafka_bootstrap: str,
) -> None:
    prefix = f"cms-test-{uuid.uuid4().hex[:8]}"
    topics = [f"{prefix}.{name}" for name in ALL_TOPICS]
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap, kafka_topic_partitions=UNUSUAL_PARTITIONS)

    created = await ensure_topics(settings, topics)
    again = await ensure_topics(settings, topics)

    assert created == sorted(topics)
    assert again == []
    assert await _partitions_by_topic(kafka_bootstrap, topics) == dict.fromkeys(topics, UNUSUAL_PARTITIONS)


async def test_service_topics_have_the_default_partitions_when_created_by_the_service(
    kafka_bootstrap: str, kafka_partitions: object
) -> None:
    # kafka_partitions ran ensure_topics first thing in the session.
    found = await _partitions_by_topic(kafka_bootstrap, list(ALL_TOPICS))

    assert found == dict.fromkeys(ALL_TOPICS, Settings().kafka_topic_partitions)
    assert Settings().kafka_topic_partitions > 1  # else sharing a partition would prove nothing


async def _write_history(api: Api, index: int) -> None:
    """Create, update twice and delete one class and one student (membership changes included)."""
    headers = api.headers()
    school_class = await api.create_class(f"Class {index}")
    class_path = f"/v1/classes/{school_class['id']}"
    student = await api.create_student(class_ids=[school_class["id"]])
    student_path = f"/v1/classes/students/{student['id']}"
    for body in ({"name": f"Class {index}b"}, {"course_codes": ["SV1"]}):
        assert (await api.client.put(class_path, json=body, headers=headers)).status_code == 200
    for body in ({"email": f"s{index}@example.com"}, {"remove_class_ids": [school_class["id"]]}):
        assert (await api.client.put(student_path, json=body, headers=headers)).status_code == 200
    assert (await api.client.delete(student_path, headers=headers)).status_code == 200
    assert (await api.client.delete(class_path, headers=headers)).status_code == 200


async def test_every_event_of_one_entity_lands_on_one_partition_across_its_topics(
    relay_api: Api, kafka_tail: KafkaTail
) -> None:
    for index in range(8):
        await _write_history(relay_api, index)
    rows = await outbox_rows(relay_api.engine)

    async def published() -> bool:
        return all(row.published_at is not None for row in await outbox_rows(relay_api.engine))

    await wait_until(published, within_s=20, what="every outbox row published")
    await kafka_tail.wait_for(row.event_id for row in rows)

    aggregate_of = {row.event_id: row.aggregate_id for row in rows}
    partitions: dict[str, set[int]] = defaultdict(set)
    topics: dict[str, set[str]] = defaultdict(set)
    for record in kafka_tail.records:
        aggregate_id = aggregate_of[header(record, "event_id")]
        assert record.key == aggregate_id.encode()
        partitions[aggregate_id].add(record.partition)
        topics[aggregate_id].add(record.topic)
    assert len(partitions) == 16
    assert all(len(found) >= 3 for found in topics.values())  # created, updated, deleted at least
    assert {aggregate_id: len(found) for aggregate_id, found in partitions.items()} == dict.fromkeys(
        partitions, 1
    )
