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
import base64
import http.client
import json
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
from bench.open_loop import attack
from bench.relay_drain import drain_pending
from bench.server import RELAY_COMMAND, ServiceProcess, start_service

IMPORT_PATH = "/v1/classes/students/import"
SMALL_ROWS, SMALL_RATE = 30, 50
SMALL_TEACHERS = 25
"""The 30-row imports come from this many teachers, each into a class of their own: one teacher's
imports run one after another (the per-teacher lock), and 50 a second are a school's, not one
teacher's."""


def _post(base_url: str, path: str, body: bytes, owner: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=300)
    try:
        headers = {"X-User-ID": owner, "Content-Type": "application/json"}
        connection.request("POST", path, body, headers)
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def _import_body(students: list[dict[str, str]], class_id: str) -> bytes:
    return json.dumps({"students": students, "class_ids": [class_id]}).encode()


async def _class_of(service: ServiceProcess, owner: str) -> str:
    body = json.dumps({"name": "Import class", "course_codes": ["ENG5"]}).encode()
    status, reply = await asyncio.to_thread(_post, service.base_url, "/v1/classes/", body, owner)
    if status != 201:
        raise RuntimeError(f"creating the import's class answered {status}: {reply[:300]!r}")
    return str(json.loads(reply)["id"])


async def _http_import(service: ServiceProcess, body: bytes, owner: str, rows: int) -> dict[str, Any]:
    cpu_before = service.cpu_seconds()
    started = time.perf_counter()
    status, reply = await asyncio.to_thread(_post, service.base_url, IMPORT_PATH, body, owner)
    seconds = time.perf_counter() - started
    cpu_s = service.cpu_seconds() - cpu_before
    if status != 200:
        raise RuntimeError(f"the import answered {status}: {reply[:300]!r}")
    created = json.loads(reply)["counts"]["created"]
    if created != rows:
        raise RuntimeError(f"the import created {created} of {rows} students")
    return {
        "rows": rows,
        "body_mb": round(len(body) / 1e6, 1),
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds),
        "server_cpu_s": round(cpu_s, 2),
        "server_peak_rss_mb": service.rss_mb()["max_worker"],
    }


def _small_targets(base_url: str, classes: list[tuple[str, str]], count: int, tag: str) -> str:
    """``count`` imports of new students, round robin over the (teacher, class) pairs."""
    lines = []
    for index in range(count):
        owner, class_id = classes[index % len(classes)]
        body = _import_body(import_data.student_rows(SMALL_ROWS, f"{tag}-{index}"), class_id)
        header = {"X-User-ID": [owner], "Content-Type": ["application/json"]}
        target = {"method": "POST", "url": base_url + IMPORT_PATH, "header": header}
        target["body"] = base64.b64encode(body).decode()
        lines.append(json.dumps(target))
    return "\n".join(lines) + "\n"


async def _small_imports(service: ServiceProcess, duration_s: int, work_dir: Path) -> dict[str, object]:
    """30-row imports (each of new students, into one class) offered at a fixed rate."""
    tag = uuid.uuid4().hex[:6]
    owners = [f"bench-small-{tag}-{n}" for n in range(SMALL_TEACHERS)]
    classes = [(owner, await _class_of(service, owner)) for owner in owners]
    for index, (owner, class_id) in enumerate(classes[:5]):  # pooled connections prepare statements
        warmup = _import_body(import_data.student_rows(SMALL_ROWS, f"{tag}-warm{index}"), class_id)
        await asyncio.to_thread(_post, service.base_url, IMPORT_PATH, warmup, owner)
    targets = work_dir / "import-30.targets"
    count = SMALL_RATE * duration_s + SMALL_RATE
    targets.write_text(_small_targets(service.base_url, classes, count, tag))
    results = work_dir / "import-30.bin"
    outcome = await attack(targets, rate=SMALL_RATE, duration_s=duration_s, results=results)
    return {"rows_per_import": SMALL_ROWS, "teachers": SMALL_TEACHERS, **outcome}


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
    body = _import_body(students, class_id)
    await import_data.reset(dsn)
    print(f"import round {number}: {rows:,} students through POST {IMPORT_PATH} …", flush=True)
    imported = await _http_import(service, body, owner, rows)
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
        class_id = await _class_of(service, owner)
        students = import_data.student_rows(rows, "bulk")
        warmup = _import_body(import_data.student_rows(SMALL_ROWS, "warm"), class_id)
        await asyncio.to_thread(_post, service.base_url, IMPORT_PATH, warmup, owner)
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
            small = await _small_imports(service, small_duration_s, work_dir)
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
