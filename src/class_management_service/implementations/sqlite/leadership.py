"""Who leads on SQLite: one relay (and one timeout monitor) among the processes sharing the database file."""

from __future__ import annotations

import asyncio
import fcntl
from contextlib import suppress
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from class_management_service.protocols import MonitorLeadershipProtocol, RelayLeadershipProtocol


class FileLockLeadership(RelayLeadershipProtocol, MonitorLeadershipProtocol):
    """SQLite: an exclusive ``flock`` beside the database file, dropped by the OS when we exit.

    No NOTIFY exists there, so the relay only polls. Each role (``relay``, ``timeout``) has its
    own lock file.
    """

    def __init__(self, lock_path: Path | None) -> None:
        self._lock_path = lock_path  # None: an in-memory database, private to this process
        self._handle: IO[bytes] | None = None
        self._rows_committed = asyncio.Event()

    @classmethod
    def for_database(cls, database_url: str, role: str = "relay") -> FileLockLeadership:
        database = make_url(database_url).database
        if not database or database == ":memory:" or database.startswith("file:"):
            return cls(None)
        path = Path(database)
        return cls(path.with_name(f"{path.name}.{role}.lock"))

    @property
    def rows_committed(self) -> asyncio.Event:
        return self._rows_committed

    async def acquire(self) -> bool:
        if self._lock_path is None or self._handle is not None:
            return True
        handle = self._lock_path.open("ab")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._handle = handle
        return True

    async def release(self) -> None:
        handle, self._handle = self._handle, None
        if handle is not None:
            with suppress(OSError):
                fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
