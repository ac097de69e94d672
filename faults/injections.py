"""The faults, in the order the suite injects them, and how each one is removed."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass

from bench.environment import REPO_ROOT

from faults.topology import Topology


def _services(command: str, service: str) -> None:
    subprocess.run([str(REPO_ROOT / "scripts" / "services.sh"), command, service], cwd=REPO_ROOT, check=True)


@dataclass(frozen=True)
class Fault:
    """``inject`` breaks something, the suite waits ``hold_s``, ``heal`` puts it back.

    Both return a note for the table (empty when there is nothing to say).
    """

    name: str
    hold_s: float
    inject: Callable[[Topology], str]
    heal: Callable[[Topology], str]
    relay_runs: bool = True  # whether the relay's CPU during the hold means anything
    settle: Callable[[Topology], str] | None = None  # after the measurements, before the next fault


def _stop(service: str) -> Callable[[Topology], str]:
    def inject(_topology: Topology) -> str:
        _services("stop", service)
        return ""

    return inject


def _start(service: str) -> Callable[[Topology], str]:
    def heal(_topology: Topology) -> str:
        _services("start", service)
        return ""

    return heal


def _kill_relay(topology: Topology) -> str:
    topology.kill_relay()
    return ""


def _start_relay(topology: Topology) -> str:
    topology.start_relay()
    return ""


def _kill_worker(topology: Topology) -> str:
    return f"killed worker {topology.kill_worker()}"


def _worker_respawned(topology: Topology) -> str:
    """Wait for the replacement to be ready, so the next fault starts from a whole server."""
    started_s = topology.wait_worker_started()
    if started_s is None:
        return "no replacement worker started within 60 s"
    return f"the replacement worker was started {started_s:.1f} s after the kill"


def _terminate_serve(topology: Topology) -> str:
    signalled = time.monotonic()
    code, orphans = topology.terminate_serve()
    said = f"serve exited {time.monotonic() - signalled:.1f} s after SIGTERM with code {code}"
    if not orphans:
        return said
    return f"{said}, leaving worker(s) {orphans} running on the port (killed by the suite)"


def _start_serve(topology: Topology) -> str:
    started = time.monotonic()
    topology.start_serve()
    return f"answered /healthz {time.monotonic() - started:.1f} s after the start command"


def _nothing(_topology: Topology) -> str:
    return ""


FAULTS = (
    Fault("PostgreSQL stopped 10 s", 10, _stop("postgres"), _start("postgres")),
    Fault("Kafka stopped 20 s", 20, _stop("kafka"), _start("kafka")),
    Fault("Redis stopped 10 s", 10, _stop("redis"), _start("redis")),
    Fault("relay SIGKILL, restarted after 3 s", 3, _kill_relay, _start_relay, relay_runs=False),
    Fault("API worker SIGKILL", 0, _kill_worker, _nothing, settle=_worker_respawned),
    Fault("serve SIGTERM under load, started again", 0, _terminate_serve, _start_serve),
)


def ensure_services() -> None:
    """Whatever a failed run left stopped is started again (``up`` skips what already runs)."""
    subprocess.run([str(REPO_ROOT / "scripts" / "services.sh"), "up"], cwd=REPO_ROOT, check=False)
