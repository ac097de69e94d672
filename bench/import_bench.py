"""Roster import: 50,000 students through the real route, beside the bare COPY of the same rows.

On a fresh database of its own, with the production server command and no relay running:
1. the ceiling (``import_data.copy_ceiling``): the rows a real import writes, COPYed in one
   transaction with nothing else timed;
2. the same rows as one JSON ``POST /v1/classes/students/import`` into one class, from request
   start to the full response, on emptied tables; the server's CPU seconds and peak RSS.
   Steps 1 and 2 alternate for ``rounds`` rounds (this machine's speed drifts by tens of percent
   from minute to minute); the round with the median ratio is reported, every round listed;
3. a relay process drains the import's events (events/s from its first published batch), then
   keeps running for: 4. 30-row imports into one class at a fixed 50/s (vegeta, open loop) from 25
   teachers;
5. the embedded SQLite default: the same import through the service, in this process.

``python -m bench.import_bench [rows]`` runs it alone (services up; production durability on,
as in ``make bench``); ``bench.run`` runs it last.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from bench import import_data, import_report
from bench.environment import (
    CACHE_DIR,
    ENV_PREFIX,
    REPO_ROOT,
    asyncpg_dsn,
    fresh_database,
    production_durability,
    service_env,
    services_env,
)
from bench.import_embedded import sqlite_import
from bench.import_http import (
    IMPORT_PATH,
    SMALL_RATE,
    SMALL_ROWS,
    class_of,
    http_import,
    import_body,
    post,
    small_imports,
)
from bench.relay_drain import drain_pending
from bench.server import RELAY_COMMAND, ServiceProcess, start_service


async def _round(
    dsn: str, service: ServiceProcess, students: list[dict[str, str]], owner: str, class_id: str, number: int
) -> dict[str, Any]:
    """The ceiling, then the import of the same rows, each on emptied tables."""
    rows = len(students)
    print(
        f"import round {number}: ceiling, a bare COPY of {rows:,} students, memberships, outbox …", flush=True
    )
    ceiling_rows = import_data.ceiling_rows(students, owner, uuid.UUID(class_id))
    await import_data.reset(dsn)
    ceiling = await import_data.copy_ceiling(dsn, ceiling_rows)
    del ceiling_rows
    body = import_body(students, class_id)
    await import_data.reset(dsn)
    print(f"import round {number}: {rows:,} students through POST {IMPORT_PATH} …", flush=True)
    imported = await http_import(service, body, owner, rows)
    ratio = round(imported["rows_per_s"] / ceiling["rows_per_s"], 3)
    return {"ceiling": ceiling, "http": imported, "ratio_to_ceiling": ratio}


async def measure_import(
    database_url: str,
    env: dict[str, str],
    rows: int,
    small_duration_s: int,
    work_dir: Path,
    rounds: int = 3,
) -> dict[str, Any]:
    """Every step of the module docstring; ``env`` is the service's (with Kafka for the relay)."""
    dsn, owner = asyncpg_dsn(database_url), f"bench-import-{uuid.uuid4().hex[:6]}"
    api_env = {**env, f"{ENV_PREFIX}RELAY_ENABLED": "false"}  # the relay runs after the import
    service = start_service(1, api_env, work_dir / "import-service.log", relay_process=False)
    try:
        class_id = await class_of(service, owner)
        students = import_data.student_rows(rows, "bulk")
        warmup = import_body(import_data.student_rows(SMALL_ROWS, "warm"), class_id)
        await asyncio.to_thread(post, service.base_url, IMPORT_PATH, warmup, owner)
        measured = [await _round(dsn, service, students, owner, class_id, n) for n in range(1, rounds + 1)]
        median = sorted(measured, key=lambda pair: pair["ratio_to_ceiling"])[len(measured) // 2]
        written = await import_data.count_rows(dsn, owner)  # the last round's import
        relay_env = {**env, f"{ENV_PREFIX}DATABASE_URL": database_url}
        with (work_dir / "import-relay.log").open("ab") as log:
            relay = await asyncio.create_subprocess_exec(
                *RELAY_COMMAND, cwd=REPO_ROOT, env=relay_env, stdout=log, stderr=log
            )
        try:
            print(f"import: the relay drains the import's {written['outbox']:,} events …", flush=True)
            drain = await drain_pending(dsn, written["outbox"], relay, time.monotonic())
            print(
                f"import: {SMALL_ROWS}-row imports at {SMALL_RATE}/s for {small_duration_s} s …", flush=True
            )
            small = await small_imports(service, small_duration_s, work_dir)
        finally:
            if relay.returncode is None:
                relay.terminate()
            await relay.wait()
    finally:
        service.stop()
    print(f"import: {rows:,} students into embedded SQLite …", flush=True)
    sqlite = await sqlite_import(students, work_dir)
    return {
        "rows": rows,
        **median,
        "rounds": [
            {
                "ratio_to_ceiling": r["ratio_to_ceiling"],
                "rows_per_s": r["http"]["rows_per_s"],
                "ceiling_rows_per_s": r["ceiling"]["rows_per_s"],
            }
            for r in measured
        ],
        "written": written,
        "relay_drain": drain,
        "small_imports": small,
        "sqlite": sqlite,
    }


async def _main(rows: int) -> None:
    services = services_env()
    async with production_durability(services), fresh_database(services, "import", keep=False) as url:
        work_dir = CACHE_DIR / f"import-{uuid.uuid4().hex[:6]}"
        work_dir.mkdir(parents=True, exist_ok=True)
        env = service_env(services, url, use_kafka=True)
        result = await measure_import(url, env, rows, small_duration_s=10, work_dir=work_dir)
    print(json.dumps(result, indent=2))
    print("\n\n".join(import_report.section(result)))
    for check in import_report.targets(result):
        print(f"{check['status']}: {check['target']} (measured {check['measured']})")


if __name__ == "__main__":
    asyncio.run(_main(int(sys.argv[1]) if len(sys.argv) > 1 else 50_000))
