"""The database ceiling: raw asyncpg doing what POST student writes, as fast as 50 clients can.

One prepared CTE per student (the student row and its outbox row, one round trip, one
implicit transaction), so the number is what PostgreSQL and one Python process can do with no
framework, validation or ORM in the way.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime

import asyncpg

_INSERT = """
WITH student AS (
    INSERT INTO students (id, first_name, last_name, legal_full_name, email, created_by_user_id,
                          created_at, updated_at)
    VALUES ($1, 'Ada', $2, $3, $4, $5, $6, $6)
)
INSERT INTO event_outbox (event_id, topic, aggregate_type, aggregate_id, user_id, correlation_id,
                          payload, occurred_at)
VALUES ($7, 'huleedu.class.student.created.v1', 'student', $8, $5, $9, $10, $6)
"""


def _arguments(owner: str, token: str) -> tuple[object, ...]:
    student_id, event_id, correlation_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    last_name = f"Ceiling {token}"
    payload = json.dumps(
        {
            "event_id": str(event_id),
            "event_type": "huleedu.class.student.created.v1",
            "event_timestamp": now.isoformat(),
            "source_service": "class_management_service",
            "schema_version": 1,
            "correlation_id": str(correlation_id),
            "data": {"student_id": str(student_id), "first_name": "Ada", "last_name": last_name},
        }
    )
    email = f"ceiling-{token}@example.com"
    return (
        student_id,
        last_name,
        f"Ada {last_name}",
        email,
        owner,
        now,
        event_id,
        str(student_id),
        correlation_id,
        payload,
    )


async def _client(
    pool: asyncpg.Pool, owner: str, client: int, deadline: float, latencies: list[float]
) -> None:
    count = 0
    async with pool.acquire() as connection:
        statement = await connection.prepare(_INSERT)
        while time.monotonic() < deadline:
            count += 1
            started = time.perf_counter()
            await statement.fetch(*_arguments(owner, f"{client}-{count}"))
            latencies.append(time.perf_counter() - started)


async def measure_db_ceiling(dsn: str, concurrency: int, duration_s: float) -> dict[str, object]:
    """Inserts per second (student + outbox row each) at ``concurrency`` for ``duration_s``."""
    owner = f"bench-db-ceiling-{uuid.uuid4().hex[:6]}"
    latencies: list[float] = []
    async with asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency) as pool:
        started = time.monotonic()
        deadline = started + duration_s
        await asyncio.gather(*(_client(pool, owner, n, deadline, latencies) for n in range(concurrency)))
        elapsed = time.monotonic() - started
    latencies.sort()
    return {
        "inserts_per_s": round(len(latencies) / elapsed),
        "inserts": len(latencies),
        "concurrency": concurrency,
        "duration_s": round(elapsed, 2),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        "statement": "one CTE: INSERT students + INSERT event_outbox, autocommit",
    }
