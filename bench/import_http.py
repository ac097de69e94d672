"""The HTTP side of the import bench: one upload, and 30-row imports at a fixed rate (vegeta)."""

from __future__ import annotations

import asyncio
import base64
import http.client
import json
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench import import_data
from bench.open_loop import attack
from bench.server import ServiceProcess

IMPORT_PATH = "/v1/classes/students/import"
SMALL_ROWS, SMALL_RATE = 30, 50
SMALL_TEACHERS = 25
"""The 30-row imports come from this many teachers, each into a class of their own: one teacher's
imports run one after another (the per-teacher lock), and 50 a second are a school's, not one
teacher's."""


def post(base_url: str, path: str, body: bytes, owner: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=300)
    try:
        headers = {"X-User-ID": owner, "Content-Type": "application/json"}
        connection.request("POST", path, body, headers)
        reply = connection.getresponse()
        return reply.status, reply.read()
    finally:
        connection.close()


def import_body(students: list[dict[str, str]], class_id: str) -> bytes:
    return json.dumps({"students": students, "class_ids": [class_id]}).encode()


async def class_of(service: ServiceProcess, owner: str) -> str:
    body = json.dumps({"name": "Import class", "course_codes": ["ENG5"]}).encode()
    status, reply = await asyncio.to_thread(post, service.base_url, "/v1/classes/", body, owner)
    if status != 201:
        raise RuntimeError(f"creating the import's class answered {status}: {reply[:300]!r}")
    return str(json.loads(reply)["id"])


async def http_import(service: ServiceProcess, body: bytes, owner: str, rows: int) -> dict[str, Any]:
    cpu_before = service.cpu_seconds()
    started = time.perf_counter()
    status, reply = await asyncio.to_thread(post, service.base_url, IMPORT_PATH, body, owner)
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


def small_targets(base_url: str, classes: list[tuple[str, str]], count: int, tag: str) -> str:
    """``count`` imports of new students, round robin over the (teacher, class) pairs."""
    lines = []
    for index in range(count):
        owner, class_id = classes[index % len(classes)]
        body = import_body(import_data.student_rows(SMALL_ROWS, f"{tag}-{index}"), class_id)
        header = {"X-User-ID": [owner], "Content-Type": ["application/json"]}
        target = {"method": "POST", "url": base_url + IMPORT_PATH, "header": header}
        target["body"] = base64.b64encode(body).decode()
        lines.append(json.dumps(target))
    return "\n".join(lines) + "\n"


async def small_imports(service: ServiceProcess, duration_s: int, work_dir: Path) -> dict[str, object]:
    """30-row imports (each of new students, into one class) offered at a fixed rate."""
    tag = uuid.uuid4().hex[:6]
    owners = [f"bench-small-{tag}-{n}" for n in range(SMALL_TEACHERS)]
    classes = [(owner, await class_of(service, owner)) for owner in owners]
    for index, (owner, class_id) in enumerate(classes[:5]):  # pooled connections prepare statements
        warmup = import_body(import_data.student_rows(SMALL_ROWS, f"{tag}-warm{index}"), class_id)
        await asyncio.to_thread(post, service.base_url, IMPORT_PATH, warmup, owner)
    targets = work_dir / "import-30.targets"
    count = SMALL_RATE * duration_s + SMALL_RATE
    targets.write_text(small_targets(service.base_url, classes, count, tag))
    results = work_dir / "import-30.bin"
    outcome = await attack(targets, rate=SMALL_RATE, duration_s=duration_s, results=results)
    return {"rows_per_import": SMALL_ROWS, "teachers": SMALL_TEACHERS, **outcome}
