"""Suggestions stored per second end to end: NLP's messages waiting in Kafka, one consumer, PostgreSQL.

``uv run python -m bench.consumer_ingest`` (services up). Each case gets a fresh database (migrated,
production durability) and a topic of its own holding the whole backlog before the consumer starts;
the rate counts from the first stored batch to the last, so joining the group is excluded.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from tests.suggestion_messages import candidate, encoded, match_result, suggestions_envelope

from bench.environment import ENV_PREFIX, fresh_database, production_durability, services_env
from class_management_service.config import Settings
from class_management_service.consumer.message_handler import HandlerPorts
from class_management_service.consumer.suggestions_consumer import SuggestionsConsumer
from class_management_service.di import create_engine
from class_management_service.domain.association_event_builders import suggestions_ready
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import NewClass, NewStudent
from class_management_service.implementations.messaging.kafka_consumer import AiokafkaMessageSource
from class_management_service.implementations.messaging.kafka_topics import ensure_topics
from class_management_service.implementations.observability.prometheus_consumer_metrics import (
    PrometheusConsumerMetrics,
)
from class_management_service.implementations.postgres.association_repository import (
    AsyncpgAssociationRepository,
    AsyncpgDeadLetterStore,
)
from class_management_service.implementations.postgres.class_repository import AsyncpgClassRepository
from class_management_service.implementations.postgres.student_repository import AsyncpgStudentRepository
from class_management_service.implementations.system_clock import SystemClock

CASES = ((30, 1000), (500, 60))  # (essays per batch, batches): 30,000 essays each
CLASS_SIZE = 30


def _no_events(_outcome: object) -> list[OutboxEvent]:
    return []


async def _roster(settings: Settings) -> tuple[uuid.UUID, list[uuid.UUID]]:
    engine = create_engine(settings)
    now, owner, class_id = datetime.now(UTC), "bench-teacher", uuid.uuid4()
    try:
        await AsyncpgClassRepository(engine).create(NewClass(class_id, "9B", "ENG5", owner, now), _no_events)
        students = AsyncpgStudentRepository(engine)
        ids = []
        for n in range(CLASS_SIZE):
            new = NewStudent(uuid.uuid4(), f"S{n}", "Pupil", f"S{n} Pupil", None, (class_id,), owner, now)
            ids.append((await students.create(new, _no_events)).id)
    finally:
        await engine.dispose()
    return class_id, ids


async def _publish(
    settings: Settings, topic: str, class_id: uuid.UUID, students: list[uuid.UUID], essays: int, batches: int
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap_servers, acks="all", linger_ms=5)
    await producer.start()
    try:
        for b in range(batches):
            batch_id = f"bench-{uuid.uuid4().hex}"
            results = [
                match_result(
                    f"{batch_id}-{n}",
                    *(candidate(students[(n + k) % CLASS_SIZE], 0.9 - 0.2 * k) for k in range(3)),
                )
                for n in range(essays)
            ]
            await producer.send(
                topic, encoded(suggestions_envelope(batch_id, class_id, results)), batch_id.encode()
            )
            if b % 100 == 99:
                await producer.flush()
        await producer.flush()
    finally:
        await producer.stop()


async def _wait_for_essays(engine: AsyncEngine, at_least: int, timeout_s: float = 600.0) -> int:
    """Polls the essay count until it reaches ``at_least``; returns the count seen then."""
    deadline = time.monotonic() + timeout_s
    while True:
        async with engine.connect() as connection:
            result = await connection.execute(text("SELECT count(*) FROM essay_student_associations"))
            count = int(result.scalar_one())
        if count >= at_least:
            return count
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {count} of {at_least} essays stored after {timeout_s:.0f} s")
        await asyncio.sleep(0.02)


async def _case(env: dict[str, str], essays: int, batches: int) -> dict[str, object]:
    async with fresh_database(env, "consumer", keep=False) as url:
        settings = Settings(
            database_url=url,
            kafka_bootstrap_servers=env[f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS"],
            kafka_consumer_group=f"bench-{uuid.uuid4().hex}",
            log_level="WARNING",
        )
        class_id, students = await _roster(settings)
        topic = f"bench.suggestions.{uuid.uuid4().hex}"
        await ensure_topics(settings, [topic])
        await _publish(settings, topic, class_id, students, essays, batches)
        engine = create_engine(settings)
        ports = HandlerPorts(
            AsyncpgAssociationRepository(engine),
            AsyncpgDeadLetterStore(engine),
            SystemClock(),
            PrometheusConsumerMetrics(),
        )
        consumer = SuggestionsConsumer(
            AiokafkaMessageSource(settings, topic), ports, suggestions_ready, settings
        )
        total = essays * batches
        cpu_started = time.process_time()
        consumer.start()
        try:
            first = await _wait_for_essays(engine, 1)
            started = time.monotonic()
            stored = await _wait_for_essays(engine, total)
            elapsed = time.monotonic() - started
        finally:
            await consumer.stop()
            cpu_s = time.process_time() - cpu_started
            await engine.dispose()
        return {
            "essays_per_batch": essays,
            "batches": batches,
            "essays_per_s": round((stored - first) / max(elapsed, 1e-6)),
            "batches_per_s": round((stored - first) / essays / max(elapsed, 1e-6), 1),
            "consumer_cpu_ms_per_essay": round(cpu_s * 1000 / total, 4),
        }


async def main() -> None:
    env = services_env()
    async with production_durability(env) as durability:
        results = [await _case(env, essays, batches) for essays, batches in CASES]
    print(json.dumps({"postgres_durability": durability, "cases": results}, indent=2))


if __name__ == "__main__":
    asyncio.run(main())
