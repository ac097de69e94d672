"""The suggestions consumer and the timeout monitor against the real Kafka and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.app import create_app
from class_management_service.config import Settings
from class_management_service.consumer.message_handler import HandlerPorts
from class_management_service.consumer.suggestions_consumer import SuggestionsConsumer
from class_management_service.domain.association_event_builders import suggestions_ready
from class_management_service.domain.association_events import SUGGESTIONS_TOPIC
from class_management_service.domain.events import ASSOCIATIONS_CONFIRMED_TOPIC, TEACHER_NOTIFICATION_TOPIC
from class_management_service.implementations.messaging.kafka_consumer import AiokafkaMessageSource
from class_management_service.implementations.messaging.kafka_topics import ensure_topics
from class_management_service.implementations.observability.prometheus_consumer_metrics import (
    PrometheusConsumerMetrics,
)
from class_management_service.implementations.observability.prometheus_relay_metrics import (
    PrometheusRelayMetrics,
)
from class_management_service.implementations.postgres.association_repository import (
    AsyncpgAssociationRepository,
    AsyncpgDeadLetterStore,
)
from class_management_service.implementations.system_clock import SystemClock
from tests.integration.conftest import KafkaTail, wait_until
from tests.integration.consumer_helpers import (
    committed_offset,
    consumer_settings,
    publish,
    running_consumer,
    suggestions_producer,
)
from tests.integration.pg_association_helpers import Roster, roster, scalar
from tests.suggestion_messages import candidate, encoded, match_result, suggestions_envelope


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    await ensure_topics(Settings(kafka_bootstrap_servers=kafka_bootstrap), [SUGGESTIONS_TOPIC])
    async with suggestions_producer(kafka_bootstrap) as producer:
        yield producer


@pytest.fixture
async def settings(postgres_url: str, services_env: dict[str, str]) -> Settings:
    return await consumer_settings(postgres_url, services_env)


def _envelope(class_roster: Roster, batch_id: str, **kwargs: Any) -> dict[str, Any]:
    ada, bob, _ = class_roster.students
    # Essay ids are global (the platform's): each batch has its own.
    results = [
        match_result(
            f"{batch_id}-e1", candidate(ada, 0.92), candidate(bob, 0.41, "Bob"), candidate(uuid.uuid4(), 0.3)
        ),
        match_result(f"{batch_id}-e2", candidate("S-17", 0.8), candidate(bob, 0.35, "Bob")),
        match_result(f"{batch_id}-e3"),
    ]
    return suggestions_envelope(batch_id, class_roster.class_id, results, **kwargs)


async def _batch_count(engine: AsyncEngine, batch_id: str) -> int:
    return int(
        await scalar(engine, "SELECT count(*) FROM association_batches WHERE batch_id = :b", b=batch_id)
    )


async def _outbox_count(engine: AsyncEngine, batch_id: str, topic: str) -> int:
    query = (
        "SELECT count(*) FROM event_outbox WHERE topic = :t AND payload::jsonb -> 'data' ->> 'batch_id' = :b"
    )
    return int(await scalar(engine, query, t=topic, b=batch_id))


async def _stored(engine: AsyncEngine, batch_id: str) -> None:
    async def exists() -> bool:
        return await _batch_count(engine, batch_id) == 1

    await wait_until(exists, within_s=30, what=f"batch {batch_id} stored")


async def test_an_envelope_published_to_kafka_is_stored_by_the_consumer_running_in_the_app(
    clean_pg: AsyncEngine, settings: Settings, producer: AIOKafkaProducer
) -> None:
    class_roster = await roster(clean_pg)
    ada, bob, _ = class_roster.students
    batch_id, correlation_id = f"batch-{uuid.uuid4().hex}", uuid.uuid4()
    app = create_app(settings)
    async with app.test_app():
        await publish(
            producer, encoded(_envelope(class_roster, batch_id, correlation_id=correlation_id)), batch_id
        )
        await _stored(clean_pg, batch_id)
        metrics = await app.container.get(PrometheusRelayMetrics)

    review = await AsyncpgAssociationRepository(clean_pg).review(class_roster.owner, batch_id)
    assert (review.batch.class_id, review.batch.course_code) == (class_roster.class_id, "ENG5")
    assert review.batch.correlation_id == correlation_id
    assert (
        review.batch.deadline - review.batch.received_at
    ).total_seconds() == settings.association_timeout_s
    assert [essay.essay_id for essay in review.essays] == [f"{batch_id}-e{n}" for n in (1, 2, 3)]
    assert [[s.student_id for s in essay.suggestions] for essay in review.essays] == [[ada, bob], [bob], []]
    assert {essay.status for essay in review.essays} == {"pending_validation"}
    assert await _outbox_count(clean_pg, batch_id, TEACHER_NOTIFICATION_TOPIC) == 1
    assert metrics.registry.get_sample_value("cms_suggestions_dropped_total") == 2  # an outsider, "S-17"
    stored = metrics.registry.get_sample_value("cms_suggestions_messages_total", {"outcome": "stored"})
    assert stored == 1


async def test_a_redelivered_and_a_replayed_message_change_nothing(
    clean_pg: AsyncEngine, settings: Settings, producer: AIOKafkaProducer
) -> None:
    class_roster = await roster(clean_pg)
    batch_id = f"batch-{uuid.uuid4().hex}"
    value = encoded(_envelope(class_roster, batch_id))
    async with running_consumer(settings, clean_pg) as first:
        await publish(producer, value, batch_id)
        await _stored(clean_pg, batch_id)
        await publish(producer, value, batch_id)  # redelivered by NLP: the same event id
        await wait_until(lambda: _true(first.messages("replay") == 1), what="the redelivery seen as a replay")
    replayed = settings.model_copy(update={"kafka_consumer_group": f"cms-test-{uuid.uuid4().hex}"})
    async with running_consumer(replayed, clean_pg) as second:  # a new group reads the topic again
        await wait_until(lambda: _true(second.messages("replay") >= 2), what="both copies replayed")

    assert await _batch_count(clean_pg, batch_id) == 1
    assert await _outbox_count(clean_pg, batch_id, TEACHER_NOTIFICATION_TOPIC) == 1


async def test_a_poison_message_is_dead_lettered_and_the_good_message_after_it_is_stored(
    clean_pg: AsyncEngine, settings: Settings, producer: AIOKafkaProducer, kafka_bootstrap: str
) -> None:
    class_roster = await roster(clean_pg)
    batch_id = f"batch-{uuid.uuid4().hex}"
    poison = await publish(producer, b"{this is not json", batch_id)
    good = await publish(producer, encoded(_envelope(class_roster, batch_id)), batch_id)
    assert good.partition == poison.partition

    async with running_consumer(settings, clean_pg) as handle:
        await _stored(clean_pg, batch_id)

        async def committed_past_good() -> bool:
            offset = await committed_offset(kafka_bootstrap, settings.kafka_consumer_group, good.partition)
            return offset is not None and offset > good.offset

        await wait_until(committed_past_good, what="the offsets committed past both messages")
        assert handle.sample("cms_suggestions_dead_letters_total", kind="not_json") >= 1

    query = (
        "SELECT message_key, message_value, reason FROM dead_letter_events"
        ' WHERE topic = :t AND partition = :p AND "offset" = :o'
    )
    async with clean_pg.connect() as connection:
        row = (
            await connection.execute(
                text(query), {"t": SUGGESTIONS_TOPIC, "p": poison.partition, "o": poison.offset}
            )
        ).one()
    assert (bytes(row[0]), bytes(row[1]), row[2]) == (
        batch_id.encode(),
        b"{this is not json",
        "the message is not JSON",
    )


class CrashBeforeOffsetCommit(AiokafkaMessageSource):
    """The process dies after the database commit and before Kafka hears of it."""

    async def commit(self, offsets: Any) -> None:
        del offsets
        raise RuntimeError("killed before the offset commit")


async def test_a_consumer_killed_between_the_database_commit_and_the_offset_commit_causes_no_second_effect(
    clean_pg: AsyncEngine, settings: Settings, producer: AIOKafkaProducer
) -> None:
    class_roster = await roster(clean_pg)
    batch_id = f"batch-{uuid.uuid4().hex}"
    ports = HandlerPorts(
        AsyncpgAssociationRepository(clean_pg),
        AsyncpgDeadLetterStore(clean_pg),
        SystemClock(),
        PrometheusConsumerMetrics(),
    )
    crashing = SuggestionsConsumer(CrashBeforeOffsetCommit(settings), ports, suggestions_ready, settings)
    await publish(producer, encoded(_envelope(class_roster, batch_id)), batch_id)
    crashing.start()
    await _stored(clean_pg, batch_id)
    await crashing.stop()

    async with running_consumer(settings, clean_pg) as restarted:  # the same group: nothing was committed
        await wait_until(lambda: _true(restarted.messages("replay") >= 1), what="the redelivery replayed")
        assert restarted.messages("stored") == 0

    assert await _batch_count(clean_pg, batch_id) == 1
    assert await _outbox_count(clean_pg, batch_id, TEACHER_NOTIFICATION_TOPIC) == 1


async def test_the_timeout_publishes_one_confirmed_event_with_timeout_triggered(
    clean_pg: AsyncEngine,
    postgres_url: str,
    services_env: dict[str, str],
    producer: AIOKafkaProducer,
    kafka_tail: KafkaTail,
) -> None:
    settings = await consumer_settings(
        postgres_url, services_env, association_timeout_s=1.0, association_timeout_scan_s=0.2
    )
    class_roster = await roster(clean_pg)
    ada = class_roster.students[0]
    batch_id = f"batch-{uuid.uuid4().hex}"
    async with running_consumer(settings, clean_pg, with_monitor=True, with_relay=True) as handle:
        await publish(producer, encoded(_envelope(class_roster, batch_id)), batch_id)

        async def confirmed() -> bool:
            return await _outbox_count(clean_pg, batch_id, ASSOCIATIONS_CONFIRMED_TOPIC) == 1

        await wait_until(confirmed, within_s=30, what="the confirmed event in the outbox")
        assert await handle.monitor.scan() == 0  # later scans find nothing left to decide
        event_id = await scalar(
            clean_pg,
            "SELECT event_id::text FROM event_outbox WHERE topic = :t AND aggregate_id = :b",
            t=ASSOCIATIONS_CONFIRMED_TOPIC,
            b=batch_id,
        )
        await kafka_tail.wait_for([event_id])

    (record,) = kafka_tail.by_event_id()[event_id]
    assert record.key == batch_id.encode()
    data = orjson.loads(record.value)["data"]
    assert (data["batch_id"], data["class_id"], data["timeout_triggered"]) == (
        batch_id,
        str(class_roster.class_id),
        True,
    )
    by_essay = {a["essay_id"].rpartition("-")[2]: a for a in data["associations"]}
    assert [a["essay_id"] for a in data["associations"]] == [f"{batch_id}-e{n}" for n in (1, 2, 3)]
    assert (by_essay["e1"]["student_id"], by_essay["e1"]["validation_method"]) == (str(ada), "timeout")
    placeholder = by_essay["e2"]["student_id"]
    assert placeholder not in {str(s) for s in class_roster.students}
    assert by_essay["e3"]["student_id"] == placeholder  # below the bar: the class's "unknown" student
    assert data["validation_summary"]["timeout"] == 3
    assert await _outbox_count(clean_pg, batch_id, ASSOCIATIONS_CONFIRMED_TOPIC) == 1


async def test_two_consumers_in_one_group_share_the_partitions_and_store_everything_once(
    clean_pg: AsyncEngine, settings: Settings, producer: AIOKafkaProducer
) -> None:
    class_roster = await roster(clean_pg)
    batch_ids = [f"batch-{uuid.uuid4().hex}" for _ in range(30)]
    async with running_consumer(settings, clean_pg) as one, running_consumer(settings, clean_pg) as two:

        async def shared() -> bool:
            mine, theirs = one.consumer.state.assigned_partitions, two.consumer.state.assigned_partitions
            return bool(mine) and bool(theirs) and not set(mine) & set(theirs)

        await wait_until(shared, within_s=60, what="both consumers holding partitions")
        await asyncio.gather(*(publish(producer, encoded(_envelope(class_roster, b)), b) for b in batch_ids))

        async def all_stored() -> bool:
            count = await scalar(
                clean_pg, "SELECT count(*) FROM association_batches WHERE batch_id = ANY(:ids)", ids=batch_ids
            )
            return int(count) == len(batch_ids)

        await wait_until(all_stored, within_s=60, what="every batch stored")
        assert one.messages("stored") > 0
        assert two.messages("stored") > 0
        assert one.messages("stored") + two.messages("stored") == len(batch_ids)

    notifications = await scalar(
        clean_pg, "SELECT count(*) FROM event_outbox WHERE topic = :t", t=TEACHER_NOTIFICATION_TOPIC
    )
    assert int(notifications) == len(batch_ids)


async def _true(value: bool) -> bool:
    return value
