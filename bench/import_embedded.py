"""The roster import on the embedded SQLite default: the service and repository, in this process.

No HTTP server: the embedded database is one file, so its rate is what the service's own
container (the production providers for a ``sqlite+aiosqlite`` URL, in the context a process
without the API gives them) writes into it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from dishka import make_async_container

from bench import import_data
from bench.environment import ENV_PREFIX, REPO_ROOT
from class_management_service.config import Settings
from class_management_service.di import create_engine, providers_for
from class_management_service.domain.errors import RepositoryUnavailableError
from class_management_service.domain.import_rows import RosterUpload
from class_management_service.domain.models import Actor
from class_management_service.relay_process import relay_context
from class_management_service.services.class_service import ClassService
from class_management_service.services.roster_import_service import RosterImportService


def _migrated(path: Path) -> str:
    url = f"sqlite+aiosqlite:///{path}"
    env = {**os.environ, f"{ENV_PREFIX}DATABASE_URL": url}
    command = [sys.executable, "-m", "class_management_service", "migrate"]
    subprocess.run(command, env=env, cwd=REPO_ROOT, check=True, capture_output=True)
    return url


async def sqlite_import(students: list[dict[str, str]], work_dir: Path) -> dict[str, Any]:
    """``students`` imported into one class of a fresh SQLite file, timed around the service call."""
    path = work_dir / f"import-{uuid.uuid4().hex[:6]}.db"
    settings = Settings(database_url=_migrated(path), kafka_bootstrap_servers="", log_level="WARNING")
    engine = create_engine(settings)
    container = make_async_container(*providers_for(settings), context=relay_context(settings, engine))
    owner = f"bench-import-{uuid.uuid4().hex[:6]}"
    try:
        classes = await container.get(ClassService)
        school_class = await classes.create_class(Actor(owner, uuid.uuid4()), "Import class", ["ENG5"])
        service = await container.get(RosterImportService)
        upload = RosterUpload(import_data.import_rows(students), (school_class.id,))
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            plan = await service.import_students(Actor(owner, uuid.uuid4()), upload)
        except RepositoryUnavailableError:
            return {"status": "unavailable: the SQLite import is not wired on this branch"}
        seconds = time.perf_counter() - started
        cpu_s = time.process_time() - cpu_started
    finally:
        await container.close()
        await engine.dispose()
        for leftover in path.parent.glob(f"{path.name}*"):
            leftover.unlink()
    return {
        "status": "OK",
        "rows": len(students),
        "created": len(plan.created),
        "seconds": round(seconds, 3),
        "rows_per_s": round(len(students) / seconds),
        "cpu_s": round(cpu_s, 2),
    }
