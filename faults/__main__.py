"""``make faults``: the production topology under a steady write load, each fault in turn, then the verdict.

Usage: python -m faults [--workers N] [--teachers N] [--rate WRITES_PER_S_PER_TEACHER]
Prints the table, writes it to faults/results/latest.md, exits 1 on any loss, duplicate event id,
reorder or unexpected 5xx.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid

from bench.environment import REPO_ROOT, fresh_database, services_env

from faults.evidence import consume_all, newest_outbox_id, pending_outbox_rows
from faults.injections import FAULTS, Fault, ensure_services
from faults.load import Load
from faults.report import render
from faults.timeline import FaultMeasure, Timeline
from faults.topology import Topology
from faults.verdict import judge

BASELINE = "no fault (baseline)"
SETTLE_S = 8.0
RECOVERY_BOUND_S = 30.0
DRAIN_BOUND_S = 60.0
LOG_DIR = REPO_ROOT / "var" / "faults"
RESULT = REPO_ROOT / "faults" / "results" / "latest.md"


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m faults", description=__doc__)
    parser.add_argument("--workers", type=int, default=2, help="granian workers (default 2)")
    parser.add_argument("--teachers", type=int, default=8, help="load threads, one X-User-ID each")
    parser.add_argument("--rate", type=float, default=10.0, help="writes per second per teacher")
    return parser.parse_args(argv)


async def _wait_drained(
    database_url: str, up_to_id: int | None, since: float, bound_s: float
) -> float | None:
    """Seconds from ``since`` until every outbox row up to ``up_to_id`` is published; None when that
    has not happened ``bound_s`` from now."""
    deadline = time.monotonic() + bound_s
    while time.monotonic() < deadline:
        newest = up_to_id if up_to_id is not None else await newest_outbox_id(database_url)
        if newest is not None and await pending_outbox_rows(database_url, newest) == 0:
            return round(time.monotonic() - since, 1)
        await asyncio.sleep(0.2)
    return None


async def _inject(fault: Fault, topology: Topology, load: Load, database_url: str) -> FaultMeasure:
    measure = FaultMeasure()
    cpu_before, started = topology.relay_cpu_seconds(), time.monotonic()
    notes = [fault.inject(topology)]
    await asyncio.sleep(fault.hold_s)
    held = time.monotonic() - started
    if fault.relay_runs and held > 0.5:
        measure.relay_cpu_pct = round(100 * (topology.relay_cpu_seconds() - cpu_before) / held, 1)
    backlog_id = await newest_outbox_id(database_url)
    healing = time.monotonic()
    notes.append(fault.heal(topology))
    healed = time.monotonic()
    while (answered := load.first_ack_after(healing)) is None:
        if time.monotonic() - healed > RECOVERY_BOUND_S:
            break
        await asyncio.sleep(0.05)
    measure.api_recovery_s = None if answered is None else round(answered - healing, 2)
    if backlog_id is None:  # PostgreSQL was the fault: the backlog is whatever it holds once it is back
        backlog_id = await newest_outbox_id(database_url)
    measure.outbox_drained_s = await _wait_drained(database_url, backlog_id, healing, DRAIN_BOUND_S)
    if fault.settle is not None:
        notes.append(fault.settle(topology))
    measure.note = "; ".join(note for note in notes if note)
    return measure


async def _run(options: argparse.Namespace) -> int:
    env = services_env()
    run_id = uuid.uuid4().hex[:8]
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    for old_log in LOG_DIR.glob("*.log"):
        old_log.unlink()
    async with fresh_database(env, "faults", keep=False) as database_url:
        topology = Topology(env, database_url, options.workers, LOG_DIR)
        timeline = Timeline(BASELINE)
        load = Load(topology.port, run_id, options.teachers, options.rate, timeline.current)
        measures: dict[str, FaultMeasure] = {BASELINE: FaultMeasure()}
        began = time.monotonic()
        try:
            topology.start_relay()
            topology.start_serve()
            load.start()
            await asyncio.sleep(SETTLE_S * 2)
            for fault in FAULTS:
                timeline.enter(fault.name)
                print(f"[faults] {fault.name}", flush=True)
                measures[fault.name] = await _inject(fault, topology, load, database_url)
                await asyncio.sleep(SETTLE_S)
        finally:
            writes = load.stop()
            ensure_services()
            drained = await _wait_drained(database_url, None, time.monotonic(), DRAIN_BOUND_S)
            exit_codes = topology.stop()
        print(f"[faults] load stopped after {time.monotonic() - began:.0f} s; reading Kafka", flush=True)
        events = await consume_all(
            env["CLASS_MANAGEMENT_SERVICE_KAFKA_BOOTSTRAP_SERVERS"], {w.correlation_id for w in writes}
        )
    verdicts = judge(writes, events)
    text = render(
        timeline.order,
        verdicts,
        measures,
        options,
        drained_s=drained,
        exit_codes=exit_codes,
        orphans=topology.orphans,
    )
    print(text)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(text)
    failed = [window for window, verdict in verdicts.items() if verdict.failed]
    failed += ["the outbox did not drain"] if drained is None else []
    failed += [f"server processes outlived their master: {topology.orphans}"] if topology.orphans else []
    if failed:
        print(f"[faults] FAILED: {'; '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> None:
    sys.exit(asyncio.run(_run(_options(argv))))


if __name__ == "__main__":
    main()
