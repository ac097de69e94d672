"""Measure one scenario against the running service: warm-up, timed wrk run with CPU, open loop."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path

from bench import sampling_profile
from bench.closed_loop import LoadSettings, WrkResult, run_wrk
from bench.core_contention import python_speed_probe
from bench.open_loop import run_open_loop
from bench.outbox import wait_drained
from bench.relay_bench import CommitToAckProbe
from bench.scenarios import Scenario
from bench.seed import SeededData
from bench.server import ServiceProcess, machine_busy_seconds


@dataclass(frozen=True)
class RunContext:
    """Everything one measurement needs, fixed for a whole server run."""

    service: ServiceProcess
    seeded: SeededData
    load: LoadSettings
    warmup_s: int
    open_loop_rate: int
    open_loop_duration_s: int  # 0 = no open-loop run
    dsn: str
    kafka_bootstrap: str  # empty = Kafka not configured
    work_dir: Path
    tag: str
    is_profiled: bool = False


def _closed_loop_summary(result: WrkResult, cpu_s: float, machine_s: float) -> dict[str, object]:
    return {
        "rps": round(result.rps, 1),
        "p50_ms": round(result.p50_ms, 2),
        "p90_ms": round(result.p90_ms, 2),
        "p99_ms": round(result.p99_ms, 2),
        "max_ms": round(result.max_ms, 2),
        "requests": result.requests,
        "errors": result.errors,
        "non2xx": result.non2xx,
        "socket_errors": result.socket_errors,
        "cpu_ms_per_req": round(cpu_s * 1000 / result.requests, 3) if result.requests else None,
        # Cores busy: the service's, and the whole machine's (wrk, PostgreSQL, anything else).
        "service_cores": round(cpu_s / result.duration_s, 2) if result.duration_s else None,
        "machine_cores": round(machine_s / result.duration_s, 2) if result.duration_s else None,
        "status": "OK" if result.errors == 0 and result.requests else "FAILED",
    }


async def _settle(context: RunContext, scenario: Scenario) -> float | None:
    """After writes, let the relay publish everything so its work is not billed to the next scenario."""
    if not (scenario.is_write and context.kafka_bootstrap):
        return None
    _left, waited = await wait_drained(context.dsn, timeout_s=120.0)
    return round(waited, 2)


async def _start_probe(context: RunContext, scenario: Scenario) -> CommitToAckProbe | None:
    if not (context.kafka_bootstrap and scenario.topic):
        return None
    probe = CommitToAckProbe(context.kafka_bootstrap, scenario.topic, context.dsn)
    return probe if await probe.start() else None


async def _commit_to_ack(
    context: RunContext, scenario: Scenario, probe: CommitToAckProbe | None, delivered: int
) -> dict[str, object] | None:
    if probe is not None:
        return await probe.stop(expected=delivered, timeout_s=60.0)
    if context.kafka_bootstrap and scenario.topic:
        return {"messages": 0, "note": f"Kafka unreachable or topic {scenario.topic} missing"}
    return None


async def _timed_run(context: RunContext, scenario: Scenario) -> dict[str, object]:
    probe = await _start_probe(context, scenario)
    sampler, samples = None, context.work_dir / f"profile-{scenario.name}.txt"
    if context.is_profiled:
        worker = context.service.pids[-1]
        sampler = await sampling_profile.record(worker, max(1, context.load.duration_s - 1), samples)
    cpu_before, machine_before = context.service.cpu_seconds(), machine_busy_seconds()
    token = f"{context.tag}m-{scenario.name}"
    result = await run_wrk(scenario, context.service.base_url, context.seeded, context.load, token)
    cpu_s = context.service.cpu_seconds() - cpu_before
    summary = _closed_loop_summary(result, cpu_s, machine_busy_seconds() - machine_before)
    if sampler is not None:
        await sampler.wait()
        summary["profile"] = sampling_profile.summarise(samples)
    ack = await _commit_to_ack(context, scenario, probe, result.requests - result.errors)
    if ack is not None:
        summary["commit_to_ack"] = ack
    return summary


async def measure(context: RunContext, scenario: Scenario) -> dict[str, object]:
    """Warm up, measure closed loop (with CPU and, for writes, commit→ack), then open loop."""
    base_url = context.service.base_url
    if context.warmup_s:
        warmup = LoadSettings(context.load.connections, context.load.threads, context.warmup_s)
        await run_wrk(scenario, base_url, context.seeded, warmup, f"{context.tag}w-{scenario.name}")
        await _settle(context, scenario)
    summary: dict[str, object] = {"name": scenario.name, "method": scenario.method, "path": scenario.path}
    # Earlier scenarios leave dirty pages (PostgreSQL, Kafka, logs); flushing them now keeps their
    # writeback (measured at up to half a core of kernel time) out of this scenario's numbers.
    await asyncio.to_thread(os.sync)
    summary["machine_probe_cpu_s"] = await asyncio.to_thread(python_speed_probe)
    relay_before = context.service.relay_cpu_seconds()
    summary |= await _timed_run(context, scenario)
    summary["outbox_settle_s"] = await _settle(context, scenario)
    summary |= _relay_process_cpu(context, relay_before, summary)
    if context.open_loop_duration_s:
        summary["open_loop"] = await _open_loop_run(context, scenario)
        await _settle(context, scenario)
    return summary


def _relay_process_cpu(
    context: RunContext, before_s: float | None, summary: dict[str, object]
) -> dict[str, object]:
    """The relay process's CPU for this run's events, published during the run or the settle after it."""
    after_s = context.service.relay_cpu_seconds()
    requests = summary.get("requests")
    if before_s is None or after_s is None or not isinstance(requests, int) or not requests:
        return {}
    relay_ms = round((after_s - before_s) * 1000 / requests, 3)
    api_ms = summary["cpu_ms_per_req"]
    total_ms = round(api_ms + relay_ms, 3) if isinstance(api_ms, float) else None
    return {"relay_cpu_ms_per_req": relay_ms, "total_cpu_ms_per_req": total_ms}


async def _open_loop_run(context: RunContext, scenario: Scenario) -> dict[str, object]:
    """The fixed-rate run; for writes also commit→ack at that rate (the relay not starved by a queue)."""
    probe = await _start_probe(context, scenario)
    result = await run_open_loop(
        scenario,
        context.service.base_url,
        context.seeded,
        rate=context.open_loop_rate,
        duration_s=context.open_loop_duration_s,
        work_dir=context.work_dir,
        tag=f"{context.tag}o-{scenario.name}",
    )
    delivered = int(str(result["requests"])) - int(str(result["errors"]))
    ack = await _commit_to_ack(context, scenario, probe, delivered)
    if ack is not None:
        result["commit_to_ack"] = ack
    return result
