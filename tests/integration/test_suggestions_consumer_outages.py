"""The suggestions consumer across outages of its own services: nothing skipped, nothing twice."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.config import Settings
from class_management_service.domain.association_events import SUGGESTIONS_TOPIC
from class_management_service.domain.events import TEACHER_NOTIFICATION_TOPIC
from class_management_service.implementations.messaging.kafka_topics import ensure_topics
from tests.integration.conftest import services, wait_until
from tests.integration.consumer_helpers import (
    committed_offset,
    consumer_settings,
    publish,
    running_consumer,
    suggestions_producer,
)
from tests.integration.pg_association_helpers import roster, scalar
from tests.suggestion_messages import candidate, encoded, match_result, suggestions_envelope


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    await ensure_topics(Settings(kafka_bootstrap_servers=kafka_bootstrap), [SUGGESTIONS_TOPIC])
    async with suggestions_producer(kafka_bootstrap) as producer:
        yield producer


async def _stored_once(engine: AsyncEngine, batch_id: str) -> bool:
    batches = await scalar(engine, "SELECT count(*) FROM association_batches WHERE batch_id = :b", b=batch_id)
    return bool(int(batches) == 1)


async def test_a_message_arriving_while_postgresql_is_down_is_stored_once_it_is_back(
    clean_pg: AsyncEngine,
    postgres_url: str,
    services_env: dict[str, str],
    producer: AIOKafkaProducer,
    kafka_bootstrap: str,
) -> None:
    settings = await consumer_settings(postgres_url, services_env)
    class_roster = await roster(clean_pg)
    batch_id = f"batch-{uuid.uuid4().hex}"
    results = [match_result(f"{batch_id}-e1", candidate(class_roster.students[0], 0.9))]
    value = encoded(suggestions_envelope(batch_id, class_roster.class_id, results))
    async with running_consumer(settings, clean_pg) as handle:
        await wait_until(
            lambda: _holds(bool(handle.consumer.state.assigned_partitions)), what="partitions assigned"
        )
        postgres_stopped = True
        await services("stop", "postgres")
        try:
            sent = await publish(producer, value, batch_id)
            await wait_until(
                lambda: _holds(handle.sample("cms_suggestions_store_failures_total") >= 2),
                within_s=30,
                what="the consumer retrying while PostgreSQL is down",
            )
            assert await committed_offset(kafka_bootstrap, settings.kafka_consumer_group, sent.partition) in (
                None,
                sent.offset,
            )
            await services("start", "postgres")
            postgres_stopped = False
        finally:
            if postgres_stopped:
                await services("start", "postgres")
        await wait_until(lambda: _stored_once(clean_pg, batch_id), within_s=60, what="the batch stored")

        async def committed() -> bool:
            offset = await committed_offset(kafka_bootstrap, settings.kafka_consumer_group, sent.partition)
            return offset is not None and offset == int(sent.offset) + 1

        await wait_until(committed, within_s=30, what="the offset committed after the store")
        assert handle.messages("stored") == 1

    notifications = await scalar(
        clean_pg, "SELECT count(*) FROM event_outbox WHERE topic = :t", t=TEACHER_NOTIFICATION_TOPIC
    )
    assert int(notifications) == 1


async def _holds(value: bool) -> bool:
    return value
