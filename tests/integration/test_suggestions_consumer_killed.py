"""The `relay` process (with its suggestions consumer) SIGKILLed mid-stream, then started again."""

from __future__ import annotations

import signal
import uuid
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.domain.events import TEACHER_NOTIFICATION_TOPIC
from tests.integration.conftest import wait_until
from tests.integration.consumer_helpers import consumer_settings, publish, suggestions_producer
from tests.integration.pg_association_helpers import roster, scalar
from tests.processes import command_env, running
from tests.suggestion_messages import candidate, encoded, match_result, suggestions_envelope

BATCHES = 300
ESSAYS = 30


async def _stored(engine: AsyncEngine) -> int:
    return int(await scalar(engine, "SELECT count(*) FROM association_batches"))


async def test_a_consumer_killed_mid_stream_stores_every_batch_once_after_its_restart(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str], tmp_path: Path
) -> None:
    settings = await consumer_settings(postgres_url, services_env)
    class_roster = await roster(clean_pg)
    async with suggestions_producer(settings.kafka_bootstrap_servers) as producer:
        for number in range(BATCHES):
            batch_id = f"killed-{number}-{uuid.uuid4().hex[:8]}"
            results = [
                match_result(f"{batch_id}-{essay}", candidate(class_roster.students[essay % 3], 0.9))
                for essay in range(ESSAYS)
            ]
            await publish(
                producer, encoded(suggestions_envelope(batch_id, class_roster.class_id, results)), batch_id
            )
    env = command_env(
        postgres_url, services_env, kafka_consumer_group=settings.kafka_consumer_group, log_level="INFO"
    )

    async with running(["relay"], env, tmp_path / "first.log") as first:
        await wait_until(
            lambda: _at_least(clean_pg, BATCHES // 10), within_s=60, what="the first batches stored"
        )
        first.send(signal.SIGKILL)  # between some transaction's commit and its offset's commit
        await first.wait(within_s=10)
    stored_when_killed = await _stored(clean_pg)
    assert stored_when_killed < BATCHES, "killed too late to mean anything: raise BATCHES"

    async with running(["relay"], env, tmp_path / "second.log") as second:
        await wait_until(lambda: _at_least(clean_pg, BATCHES), within_s=120, what="every batch stored")
        second.send(signal.SIGTERM)
        assert await second.wait(within_s=30) == 0
    replays = second.output().count('"suggestions_replayed"')
    print(f"killed with {stored_when_killed} of {BATCHES} batches stored; {replays} redelivered as replays")
    assert replays >= 1, "the kill fell between two offset commits: nothing was redelivered"

    assert await _stored(clean_pg) == BATCHES
    essays = await scalar(clean_pg, "SELECT count(*) FROM essay_student_associations")
    assert int(essays) == BATCHES * ESSAYS
    notifications = await scalar(
        clean_pg,
        "SELECT count(DISTINCT payload::jsonb -> 'data' ->> 'batch_id') = count(*) AND count(*) = :n"
        " FROM event_outbox WHERE topic = :t",
        t=TEACHER_NOTIFICATION_TOPIC,
        n=BATCHES,
    )
    assert notifications is True  # one review notification per batch: none twice, none missing


async def _at_least(engine: AsyncEngine, count: int) -> bool:
    return await _stored(engine) >= count
