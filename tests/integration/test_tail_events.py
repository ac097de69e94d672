"""scripts/tail_events.py, the README's consumer example, on the local broker named in .services.env."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import orjson
from aiokafka import AIOKafkaProducer

from tests.conftest import REPO_ROOT

TAIL = REPO_ROOT / "scripts" / "tail_events.py"
BOOTSTRAP_VAR = "CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS"


def _environment_without_broker() -> dict[str, str]:
    return {key: value for key, value in os.environ.items() if key != BOOTSTRAP_VAR}


def _envelope(event_id: str, name: str) -> bytes:
    return orjson.dumps(
        {
            "event_id": event_id,
            "event_type": "huleedu.class.student.updated.v1",
            "event_timestamp": "2026-01-01T00:00:00Z",
            "correlation_id": str(uuid.uuid4()),
            "data": {"first_name": name},
        }
    )


async def test_tail_reads_the_port_from_services_env_and_prints_each_event_once(
    services_env: dict[str, str],
) -> None:
    topic = f"cms-test.tail.{uuid.uuid4().hex[:8]}"
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    producer = AIOKafkaProducer(bootstrap_servers=services_env[BOOTSTRAP_VAR], acks="all")
    await producer.start()
    try:
        # the same event twice, as an at-least-once redelivery would
        for event_id, name in ((first, "Ada"), (first, "Ada"), (second, "Grace")):
            await producer.send_and_wait(topic, _envelope(event_id, name), key=b"student-1")
    finally:
        await producer.stop()

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(TAIL),
        "--topic",
        topic,
        "--from-beginning",
        "--max-messages",
        "2",
        "--idle-timeout",
        "15",
        env=_environment_without_broker(),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await process.communicate()

    assert process.returncode == 0, stderr.decode()
    assert stdout.decode().splitlines() == [
        f'{topic} student-1 huleedu.class.student.updated.v1 {first} {{"first_name": "Ada"}}',
        f'{topic} student-1 huleedu.class.student.updated.v1 {second} {{"first_name": "Grace"}}',
    ]


async def test_tail_without_a_broker_says_how_to_get_one(tmp_path: Path) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(TAIL),
        "--env-file",
        str(tmp_path / "missing.env"),
        env=_environment_without_broker(),
        stderr=asyncio.subprocess.PIPE,
    )
    _, stderr = await process.communicate()

    assert process.returncode == 1
    assert "make services-up" in stderr.decode()
