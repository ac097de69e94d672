"""Seed the data read scenarios need, through the public API, and write the ids to files for wrk.

Going through the API (not straight into tables) keeps the seed valid whatever the schema
becomes, and exercises the same code paths as production traffic.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bench.scenarios import Seed, Teacher

READER_CLASS_COUNT = 100  # the class-list scenario's teacher owns exactly this many
ROSTER_CLASS_COUNT = 10
ROSTER_SIZE = 30
READER_STUDENT_COUNT = 1000
WRITER_CLASS_COUNT = 20
_PARALLEL_REQUESTS = 8


@dataclass(frozen=True)
class SeededData:
    """Teacher ids per role and one id file per seed kind."""

    teachers: dict[Teacher, str]
    id_files: dict[Seed, Path]


class _ApiClient:
    """A keep-alive connection per thread: seeding is a few thousand small requests."""

    def __init__(self, base_url: str) -> None:
        self._netloc = urlsplit(base_url).netloc
        self._local = threading.local()

    def post(self, path: str, body: dict[str, object], user_id: str) -> dict[str, object]:
        if not hasattr(self._local, "connection"):
            self._local.connection = http.client.HTTPConnection(self._netloc, timeout=30)
        connection: http.client.HTTPConnection = self._local.connection
        headers = {"X-User-ID": user_id, "Content-Type": "application/json"}
        connection.request("POST", path, json.dumps(body), headers)
        reply = connection.getresponse()
        payload = reply.read()
        if reply.status != 201:
            raise RuntimeError(f"seeding POST {path} answered {reply.status}: {payload[:300]!r}")
        created: dict[str, object] = json.loads(payload)
        return created


def _create_all(make_one: Callable[[int], str], count: int) -> list[str]:
    with ThreadPoolExecutor(_PARALLEL_REQUESTS) as pool:
        return list(pool.map(make_one, range(count)))


def _classes(api: _ApiClient, owner: str, count: int) -> list[str]:
    def create(index: int) -> str:
        body: dict[str, object] = {"name": f"Seed class {index}", "course_codes": ["ENG5"]}
        return str(api.post("/v1/classes/", body, owner)["id"])

    return _create_all(create, count)


def _students(api: _ApiClient, owner: str, tag: str, class_ids: list[str | None]) -> list[str]:
    def create(index: int) -> str:
        body: dict[str, object] = {
            "person_name": {"first_name": f"Seed{index}", "last_name": f"Student {tag}"},
            "email": f"seed-{tag}-{index}@example.com",
        }
        class_id = class_ids[index]
        if class_id is not None:
            body["class_ids"] = [class_id]
        return str(api.post("/v1/classes/students", body, owner)["id"])

    return _create_all(create, len(class_ids))


def _write(path: Path, ids: Iterable[str]) -> Path:
    path.write_text("".join(f"{item}\n" for item in ids))
    return path


def seed(base_url: str, needs: set[Seed], run_dir: Path, tag: str) -> SeededData:
    """Create only what the selected scenarios read."""
    teachers = {Teacher.READER: f"bench-reader-{tag}", Teacher.WRITER: f"bench-writer-{tag}"}
    api = _ApiClient(base_url)
    reader = teachers[Teacher.READER]
    files: dict[Seed, Path] = {}
    if needs & {Seed.READER_CLASSES, Seed.ROSTER_CLASSES}:
        reader_classes = _classes(api, reader, READER_CLASS_COUNT)
        files[Seed.READER_CLASSES] = _write(run_dir / "reader_classes.txt", reader_classes)
        roster_classes = reader_classes[:ROSTER_CLASS_COUNT]
        enrolments: list[str | None] = [c for c in roster_classes for _ in range(ROSTER_SIZE)]
        _students(api, reader, f"{tag}r", enrolments)
        files[Seed.ROSTER_CLASSES] = _write(run_dir / "roster_classes.txt", roster_classes)
    if Seed.READER_STUDENTS in needs:
        students = _students(api, reader, tag, [None] * READER_STUDENT_COUNT)
        files[Seed.READER_STUDENTS] = _write(run_dir / "reader_students.txt", students)
    if Seed.WRITER_CLASSES in needs:
        writer_classes = _classes(api, teachers[Teacher.WRITER], WRITER_CLASS_COUNT)
        files[Seed.WRITER_CLASSES] = _write(run_dir / "writer_classes.txt", writer_classes)
    return SeededData(teachers, files)
