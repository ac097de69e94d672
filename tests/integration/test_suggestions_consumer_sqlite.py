"""The suggestions consumer and the timeout monitor on the embedded SQLite backend (real Kafka)."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.di import create_engine
from class_management_service.domain.events import (
    ASSOCIATIONS_CONFIRMED_TOPIC,
    TEACHER_NOTIFICATION_TOPIC,
    OutboxEvent,
)
from class_management_service.domain.models import NewClass, NewStudent
from class_management_service.implementations.sqlite.class_repository import SqlAlchemyClassRepository
from class_management_service.implementations.sqlite.student_repository import SqlAlchemyStudentRepository
from tests.integration.conftest import wait_until
from tests.integration.consumer_helpers import (
    consumer_settings,
    publish,
    running_consumer,
    suggestions_producer,
)
from tests.integration.pg_association_helpers import T0
from tests.suggestion_messages import candidate, encoded, match_result, suggestions_envelope

BATCHES = 20


def _no_events(_: object) -> list[OutboxEvent]:
    return []


async def _count(engine: AsyncEngine, query: str) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text(query))).scalar_one())


async def test_batches_arriving_together_are_each_stored_once_on_sqlite(
    sqlite_url: str, services_env: dict[str, str]
) -> None:
    settings = await consumer_settings(sqlite_url, services_env, association_timeout_scan_s=0.2)
    engine = create_engine(settings)
    owner, class_id, student_id = "teacher-sqlite", uuid.uuid4(), uuid.uuid4()
    await SqlAlchemyClassRepository(engine).create(NewClass(class_id, "9S", "SV1", owner, T0), _no_events)
    new = NewStudent(student_id, "Ada", "Lovelace", "Ada Lovelace", None, (class_id,), owner, T0)
    await SqlAlchemyStudentRepository(engine).create(new, _no_events)
    try:
        async with (
            suggestions_producer(settings.kafka_bootstrap_servers) as producer,
            running_consumer(settings, engine, with_monitor=True) as handle,
        ):
            batch_ids = [f"sqlite-{n}-{uuid.uuid4().hex[:8]}" for n in range(BATCHES)]
            await asyncio.gather(
                *(
                    publish(
                        producer,
                        encoded(
                            suggestions_envelope(
                                b,
                                class_id,
                                [match_result(f"{b}-e1", candidate(student_id, 0.95))],
                                course_code="SV1",
                            )
                        ),
                        b,
                    )
                    for b in batch_ids
                )
            )

            async def all_stored() -> bool:
                return await _count(engine, "SELECT count(*) FROM association_batches") == BATCHES

            await wait_until(all_stored, within_s=60, what="every batch stored")
            assert handle.messages("stored") == BATCHES
            assert handle.sample("cms_association_timeout_monitor_leader") == 1.0  # its own lock file
            assert await handle.monitor.scan() == 0  # nothing expired yet
        query = f"SELECT count(*) FROM event_outbox WHERE topic = '{TEACHER_NOTIFICATION_TOPIC}'"
        assert await _count(engine, query) == BATCHES
    finally:
        await engine.dispose()


async def test_the_timeout_decides_each_batch_once_on_sqlite(
    sqlite_url: str, services_env: dict[str, str]
) -> None:
    settings = await consumer_settings(
        sqlite_url, services_env, association_timeout_s=0.5, association_timeout_scan_s=0.2
    )
    engine = create_engine(settings)
    owner, class_id, student_id = "teacher-sqlite", uuid.uuid4(), uuid.uuid4()
    await SqlAlchemyClassRepository(engine).create(NewClass(class_id, "9T", "SV1", owner, T0), _no_events)
    new = NewStudent(student_id, "Ada", "Lovelace", "Ada Lovelace", None, (class_id,), owner, T0)
    await SqlAlchemyStudentRepository(engine).create(new, _no_events)
    batch_ids = [f"sqlite-timeout-{n}-{uuid.uuid4().hex[:8]}" for n in range(5)]
    confirmed = f"SELECT count(*) FROM event_outbox WHERE topic = '{ASSOCIATIONS_CONFIRMED_TOPIC}'"
    try:
        async with (
            suggestions_producer(settings.kafka_bootstrap_servers) as producer,
            running_consumer(settings, engine, with_monitor=True) as handle,
        ):
            for batch_id in batch_ids:
                results = [
                    match_result(f"{batch_id}-e1", candidate(student_id, 0.95)),
                    match_result(f"{batch_id}-e2"),
                ]
                envelope = suggestions_envelope(batch_id, class_id, results, course_code="SV1")
                await publish(producer, encoded(envelope), batch_id)

            async def all_confirmed() -> bool:
                return await _count(engine, confirmed) == len(batch_ids)

            await wait_until(all_confirmed, within_s=60, what="every batch decided by the timeout")
            assert await handle.monitor.scan() == 0
            assert handle.sample("cms_association_batches_timed_out_total") == len(batch_ids)
        assert await _count(engine, confirmed) == len(batch_ids)
        placeholders = "SELECT count(*) FROM students WHERE first_name = 'UNKNOWN' AND last_name = 'STUDENT'"
        assert await _count(engine, placeholders) == 1  # one per class, reused by every batch
    finally:
        await engine.dispose()
