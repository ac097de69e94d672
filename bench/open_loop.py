"""Open-loop latency with vegeta: requests leave at a constant rate whether or not earlier ones returned.

Closed-loop tools (wrk) hide queueing: a slow server simply gets fewer requests. At a fixed
offered rate the percentiles show what a user would see. Above the service's capacity requests
time out after 5 s; they are counted in ``errors`` and shown next to the percentiles.
"""

from __future__ import annotations

import asyncio
import base64
import json
import shutil
from pathlib import Path

from bench.closed_loop import INSTALLER
from bench.environment import CACHE_DIR
from bench.scenarios import Scenario, Seed, fill
from bench.seed import SeededData


async def vegeta_path() -> str:
    """vegeta from PATH or the bench cache, built on first use by the install script."""
    cached = CACHE_DIR / "bin" / "vegeta"
    found = shutil.which("vegeta") or (str(cached) if cached.exists() else None)
    if found is None:
        installer = await asyncio.create_subprocess_exec(str(INSTALLER))
        if await installer.wait() != 0 or not cached.exists():
            raise RuntimeError("could not install vegeta; see scripts/install-bench-tools.sh")
        found = str(cached)
    return found


def _targets(scenario: Scenario, base_url: str, seeded: SeededData, count: int, tag: str) -> str:
    """``count`` vegeta JSON targets built from the same templates wrk uses."""
    ids = seeded.id_files[scenario.seed].read_text().split() if scenario.seed is not Seed.NONE else [""]
    header = {"X-User-ID": [seeded.teachers[scenario.teacher]]}
    if scenario.body:
        header["Content-Type"] = ["application/json"]
    lines = []
    for index in range(count):
        token = f"{tag}-{index}"
        target: dict[str, object] = {
            "method": scenario.method,
            "url": base_url + fill(scenario.path, token, ids[index % len(ids)]),
            "header": header,
        }
        if scenario.body:
            body = fill(scenario.body, token, ids[index % len(ids)])
            target["body"] = base64.b64encode(body.encode()).decode()
        lines.append(json.dumps(target))
    return "\n".join(lines) + "\n"


async def _run(*command: str) -> bytes:
    process = await asyncio.create_subprocess_exec(
        *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    output, errors = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} {command[1]} failed: {errors.decode()[-1000:]}")
    return output


async def run_open_loop(
    scenario: Scenario,
    base_url: str,
    seeded: SeededData,
    *,
    rate: int,
    duration_s: int,
    work_dir: Path,
    tag: str,
) -> dict[str, object]:
    """Offer ``rate`` req/s for ``duration_s``; latency percentiles in ms and the non-2xx count."""
    targets = work_dir / f"{scenario.name}-{tag}.targets"
    targets.write_text(_targets(scenario, base_url, seeded, rate * duration_s + rate, tag))
    return await attack(
        targets, rate=rate, duration_s=duration_s, results=work_dir / f"{scenario.name}-{tag}.bin"
    )


async def attack(targets: Path, *, rate: int, duration_s: int, results: Path) -> dict[str, object]:
    """vegeta at ``rate`` req/s for ``duration_s`` over the JSON ``targets`` file, summarised."""
    vegeta = await vegeta_path()
    await _run(
        vegeta,
        "attack",
        "-format=json",
        f"-targets={targets}",
        f"-rate={rate}/s",
        f"-duration={duration_s}s",
        "-timeout=5s",
        f"-output={results}",
    )
    report = json.loads(await _run(vegeta, "report", "-type=json", str(results)))
    statuses: dict[str, int] = report.get("status_codes") or {}
    ok = sum(count for status, count in statuses.items() if status.startswith("2"))
    latencies = report["latencies"]
    return {
        "rate": rate,
        "duration_s": duration_s,
        "requests": report["requests"],
        "achieved_rps": round(report["throughput"], 1),
        "p50_ms": round(latencies["50th"] / 1e6, 2),
        "p90_ms": round(latencies["90th"] / 1e6, 2),
        "p99_ms": round(latencies["99th"] / 1e6, 2),
        "max_ms": round(latencies["max"] / 1e6, 2),
        "errors": report["requests"] - ok,
    }
