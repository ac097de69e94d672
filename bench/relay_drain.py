"""Relay throughput: a backlog committed while Kafka was unreachable, drained by `... relay`."""

from __future__ import annotations

import asyncio
import time
from asyncio.subprocess import Process
from pathlib import Path

from bench.environment import ENV_PREFIX, REPO_ROOT, asyncpg_dsn
from bench.outbox import insert_backlog, pending_count
from bench.server import RELAY_COMMAND, cpu_seconds, process_tree


async def _wait_for_progress(dsn: str, backlog: int, relay: Process, timeout_s: float) -> int:
    """Seconds count from the first published batch; returns what was still pending then."""
    deadline = time.monotonic() + timeout_s
    while (pending := await pending_count(dsn)) >= backlog:
        if relay.returncode is not None or time.monotonic() > deadline:
            raise RuntimeError("the relay published nothing; see its log")
        await asyncio.sleep(0.02)
    return pending


async def _wait_for_empty(dsn: str, relay: Process, timeout_s: float) -> int:
    deadline = time.monotonic() + timeout_s
    while (pending := await pending_count(dsn)) > 0:
        if relay.returncode is not None or time.monotonic() > deadline:
            return pending
        await asyncio.sleep(0.02)
    return 0


async def drain_backlog(
    database_url: str, env: dict[str, str], backlog: int, log_path: Path, timeout_s: float = 300.0
) -> dict[str, object]:
    """Insert ``backlog`` events, start one relay process, time it until nothing is pending.

    ``drain_events_per_s`` counts from the first published batch, so interpreter start-up and
    the Kafka connection are excluded; ``wall_s`` includes them.
    """
    dsn = asyncpg_dsn(database_url)
    await insert_backlog(dsn, backlog, owner="bench-backlog")
    relay_env = {**env, f"{ENV_PREFIX}DATABASE_URL": database_url}
    started = time.monotonic()
    with log_path.open("ab") as log:
        relay = await asyncio.create_subprocess_exec(
            *RELAY_COMMAND, cwd=REPO_ROOT, env=relay_env, stdout=log, stderr=log
        )
    try:
        return await drain_pending(dsn, backlog, relay, started, timeout_s)
    finally:
        if relay.returncode is None:
            relay.terminate()
        await relay.wait()


async def drain_pending(
    dsn: str, backlog: int, relay: Process, started: float, timeout_s: float = 300.0
) -> dict[str, object]:
    """Time the running ``relay`` (started at ``started``, monotonic) until ``backlog`` pending
    events are published; events/s from its first published batch."""
    pending_at_first = await _wait_for_progress(dsn, backlog, relay, timeout_s=60.0)
    first_progress = time.monotonic()
    left = await _wait_for_empty(dsn, relay, timeout_s)
    finished = time.monotonic()
    cpu_s = cpu_seconds(process_tree(relay.pid))
    drained = backlog - left
    return {
        "backlog": backlog,
        "drained": drained,
        "drain_events_per_s": round((pending_at_first - left) / max(finished - first_progress, 1e-6)),
        "wall_s": round(finished - started, 2),
        "relay_cpu_ms_per_event": round(cpu_s * 1000 / max(drained, 1), 3),
        "status": "OK" if left == 0 else f"{left} events still pending after {timeout_s:.0f} s",
    }
