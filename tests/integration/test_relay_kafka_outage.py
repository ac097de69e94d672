"""The relay process during a 20 s Kafka outage with writes running: calm, quiet, JSON, then complete.

Issue 13 item 2 asks for bounds on CPU and log volume during an outage; they are asserted here
with the issue's own limits (≤ 5% of a core, ≤ 1 line per second), measured on the real process.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.conftest import KafkaTail, envelope_row, insert_rows, services, wait_until
from tests.processes import free_port

OUTAGE_S = 20.0
MAX_CPU_SHARE = 0.05
MAX_LINES_PER_S = 1.0
# Enough writes that produce requests are in flight while the broker shuts down: that is when
# aiokafka learns "leader not available" and, without the backoff, spins on its metadata refresh.
# Fewer during the outage itself, so that the backlog delivered afterwards stays small.
ROWS_PER_WRITE_AT_SHUTDOWN = 100
ROWS_PER_WRITE_IN_OUTAGE = 5
WRITE_EVERY_S = 0.05


def _cpu_seconds(pid: int) -> float:
    """utime + stime of the process from /proc/<pid>/stat, in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _start_relay(postgres_url: str, services_env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CLASS_MANAGEMENT_SERVICE_DATABASE_URL": postgres_url,
        "CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS": services_env[
            "CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS"
        ],
        "CLASS_MANAGEMENT_SERVICE_REDIS_URL": services_env["CLASS_MANAGEMENT_SERVICE_REDIS_URL"],
        "CLASS_MANAGEMENT_SERVICE_RELAY_METRICS_PORT": str(free_port()),
        "CLASS_MANAGEMENT_SERVICE_LOG_LEVEL": "INFO",
        "CLASS_MANAGEMENT_SERVICE_LOG_FORMAT": "json",
        # A short cap keeps the recovery after the outage inside the test's time budget.
        "CLASS_MANAGEMENT_SERVICE_RELAY_MAX_BACKOFF_S": "4",
    }
    with log_path.open("wb") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", "class_management_service", "relay"],
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )


async def _write_until(
    engine: AsyncEngine, stop: asyncio.Event, event_ids: list[str], rows_per_write: int
) -> None:
    while not stop.is_set():
        rows = [envelope_row() for _ in range(rows_per_write)]
        await insert_rows(engine, rows)
        event_ids.extend(str(row["event_id"]) for row in rows)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), WRITE_EVERY_S)


async def test_relay_stays_calm_and_quiet_through_a_kafka_outage_then_delivers_everything(
    postgres_url: str,
    services_env: dict[str, str],
    clean_pg: AsyncEngine,
    kafka_tail: KafkaTail,
    tmp_path: Path,
) -> None:
    log_path = tmp_path / "relay.log"
    relay = _start_relay(postgres_url, services_env, log_path)
    stop_writing, stop_heavy_writes = asyncio.Event(), asyncio.Event()
    event_ids: list[str] = []
    writer = asyncio.create_task(
        _write_until(clean_pg, stop_heavy_writes, event_ids, ROWS_PER_WRITE_AT_SHUTDOWN)
    )
    kafka_stopped = False
    try:
        await wait_until(lambda: asyncio.sleep(0, len(event_ids) >= 20), what="first writes")
        await kafka_tail.wait_for(event_ids[:20], within_s=20)

        await services("stop", "kafka")
        kafka_stopped = True
        stop_heavy_writes.set()
        await writer
        writer = asyncio.create_task(
            _write_until(clean_pg, stop_writing, event_ids, ROWS_PER_WRITE_IN_OUTAGE)
        )
        log_offset = log_path.stat().st_size
        cpu_before, started = _cpu_seconds(relay.pid), time.monotonic()
        await asyncio.sleep(OUTAGE_S)
        cpu_share = (_cpu_seconds(relay.pid) - cpu_before) / (time.monotonic() - started)
        with log_path.open("rb") as log_file:
            log_file.seek(log_offset)
            outage_lines = log_file.read().splitlines()
        await services("start", "kafka")
        kafka_stopped = False
        restarted = time.monotonic()

        stop_writing.set()
        await writer
        await kafka_tail.wait_for(event_ids, within_s=60)
        print(
            f"{len(event_ids)} events, all delivered {time.monotonic() - restarted:.1f} s after the restart"
        )
    finally:
        stop_heavy_writes.set()
        stop_writing.set()
        writer.cancel()
        if kafka_stopped:
            await services("start", "kafka")
        relay.send_signal(signal.SIGTERM)
        try:
            relay.wait(timeout=20)
        except subprocess.TimeoutExpired:
            relay.kill()
            relay.wait()

    print(f"relay during a {OUTAGE_S:.0f} s outage: {cpu_share:.1%} CPU, {len(outage_lines)} log lines")
    assert relay.returncode == 0, log_path.read_text()[-3000:]
    parsed = [orjson.loads(line) for line in outage_lines]  # every line is JSON, or this raises
    assert all({"event", "level", "timestamp"} <= line.keys() for line in parsed), outage_lines[:5]
    assert cpu_share <= MAX_CPU_SHARE, f"{cpu_share:.1%} of a core during the outage"
    assert len(outage_lines) <= MAX_LINES_PER_S * OUTAGE_S, b"\n".join(outage_lines[:40]).decode()
    assert set(event_ids) <= set(kafka_tail.event_ids())
