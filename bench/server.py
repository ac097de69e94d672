"""Start the service exactly as production does, and read its CPU time and peak memory from /proc."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.environment import ENV_PREFIX, REPO_ROOT

RELAY_COMMAND = (sys.executable, "-m", "class_management_service", "relay")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def production_argv(workers: int, port: int) -> list[str]:
    """The production server (``preloaded_granian.serve``) with our port and the bench's factory."""
    return [sys.executable, "-m", "bench.serve_ceiling", str(workers), str(port)]


def _stat_fields(pid: int) -> list[str]:
    text = Path(f"/proc/{pid}/stat").read_text()
    return text[text.rindex(")") + 2 :].split()  # the command name may contain spaces


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat_fields(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def process_tree(pid: int) -> list[int]:
    """The granian master and every descendant (its workers)."""
    tree, frontier = [pid], [pid]
    while frontier:
        children = _children(frontier.pop())
        tree.extend(children)
        frontier.extend(children)
    return tree


def cpu_seconds(pids: list[int]) -> float:
    """utime + stime of the given processes (fields 14 and 15 of /proc/<pid>/stat)."""
    ticks = 0
    for pid in pids:
        try:
            fields = _stat_fields(pid)
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / _CLOCK_TICKS


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy (not idle or iowait), from /proc/stat."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / _CLOCK_TICKS


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the most resident memory the process ever had."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


@dataclass
class ServiceProcess:
    """The running service: the granian master started with the production command line.

    With ``relay`` set, the outbox relay runs as its own process beside the API (the API's
    in-worker relay disabled), as the README's production deployment has it.
    """

    process: subprocess.Popen[bytes]
    base_url: str
    argv: list[str]
    relay: subprocess.Popen[bytes] | None = None

    @property
    def pids(self) -> list[int]:
        return process_tree(self.process.pid)

    def cpu_seconds(self) -> float:
        """The API's CPU: the granian master and its workers (with the relay, if it runs inside)."""
        return cpu_seconds(self.pids)

    def relay_cpu_seconds(self) -> float | None:
        """The relay process's CPU; None when the relay runs inside the API worker."""
        return None if self.relay is None else cpu_seconds(process_tree(self.relay.pid))

    def rss_mb(self) -> dict[str, object]:
        workers = [peak_rss_mb(pid) for pid in self.pids[1:]]
        found: dict[str, object] = {
            "master": peak_rss_mb(self.process.pid),
            "workers": workers,
            "max_worker": max(workers),
        }
        if self.relay is not None:
            found["relay"] = peak_rss_mb(self.relay.pid)
        return found

    def stop(self) -> None:
        """SIGTERM, as an orchestrator would: in-flight requests finish, then the relay drains."""
        for process in (self.process, self.relay):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (self.process, self.relay):
            if process is None:
                continue
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def start_service(
    workers: int, env: dict[str, str], log_path: Path, *, relay_process: bool
) -> ServiceProcess:
    """Start the server (and the relay process) and wait until /healthz answers 200."""
    port = int(env[f"{ENV_PREFIX}PORT"])
    argv = production_argv(workers, port)
    relay = None
    with log_path.open("ab") as log:
        if relay_process:
            env = {**env, f"{ENV_PREFIX}RELAY_ENABLED": "false"}  # the API's workers leave it to the process
            relay = subprocess.Popen(
                RELAY_COMMAND, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        process = subprocess.Popen(argv, cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    service = ServiceProcess(process, f"http://127.0.0.1:{port}", argv, relay)
    _wait_healthy(service, log_path)
    return service


def _wait_healthy(service: ServiceProcess, log_path: Path, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            raise RuntimeError(f"the service exited with {service.process.returncode}; see {log_path}")
        try:
            with urllib.request.urlopen(f"{service.base_url}/healthz", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    service.stop()
    raise RuntimeError(f"the service did not become healthy in {timeout_s:.0f} s; see {log_path}")
