"""Closed-loop load with wrk: N connections, each sending its next request as soon as one returns."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bench.environment import REPO_ROOT
from bench.scenarios import Scenario, Seed
from bench.seed import SeededData

WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "scenario.lua"
INSTALLER = REPO_ROOT / "scripts" / "install-bench-tools.sh"
_RESULT_MARKER = "BENCH_RESULT "


@dataclass(frozen=True)
class LoadSettings:
    """How hard and how long wrk drives the service."""

    connections: int
    threads: int
    duration_s: int  # wrk only parses whole seconds
    timeout_s: int = 5


@dataclass(frozen=True)
class WrkResult:
    """wrk's summary plus our own non-2xx count (wrk only counts statuses >= 400)."""

    requests: int
    duration_s: float
    non2xx: int
    socket_errors: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    @property
    def errors(self) -> int:
        return self.non2xx + self.socket_errors


def wrk_path() -> str:
    """wrk from PATH, installed with apt-get by the install script on first use."""
    if shutil.which("wrk") is None:
        subprocess.run([str(INSTALLER)], check=False)
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is missing and could not be installed: apt-get install -y wrk")
    return path


def _parse(output: str) -> WrkResult:
    lines = [line for line in output.splitlines() if line.startswith(_RESULT_MARKER)]
    if not lines:
        raise RuntimeError(f"wrk printed no result line:\n{output[-2000:]}")
    raw = json.loads(lines[-1][len(_RESULT_MARKER) :])
    return WrkResult(
        requests=raw["requests"],
        duration_s=raw["duration_us"] / 1e6,
        non2xx=raw["non2xx"],
        socket_errors=raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
    )


def wrk_command(
    scenario: Scenario, base_url: str, seeded: SeededData, load: LoadSettings, tag: str
) -> list[str]:
    ids_file = seeded.id_files[scenario.seed] if scenario.seed is not Seed.NONE else ""
    return [
        wrk_path(),
        f"-t{load.threads}",
        f"-c{load.connections}",
        f"-d{load.duration_s}s",
        f"--timeout={load.timeout_s}s",
        "-s",
        str(WRK_SCRIPT),
        base_url,
        "--",
        scenario.method,
        scenario.path,
        scenario.body,
        seeded.teachers[scenario.teacher],
        str(ids_file),
        tag,
    ]


async def run_wrk(
    scenario: Scenario, base_url: str, seeded: SeededData, load: LoadSettings, tag: str
) -> WrkResult:
    """One wrk run; ``tag`` keeps its unique tokens apart from every other run's."""
    process = await asyncio.create_subprocess_exec(
        *wrk_command(scenario, base_url, seeded, load, tag),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"wrk exited with {process.returncode}:\n{output.decode()[-2000:]}")
    return _parse(output.decode())
