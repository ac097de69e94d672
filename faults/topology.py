"""The production topology: ``serve`` (granian master + workers) and the ``relay`` process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench.environment import ENV_PREFIX, REPO_ROOT, free_port
from bench.server import cpu_seconds, process_tree

SERVE = (sys.executable, "-m", "class_management_service", "serve", "--workers")
RELAY = (sys.executable, "-m", "class_management_service", "relay")


class Topology:
    """Starts, kills and restarts the two commands an operator runs, logging to ``log_dir``."""

    def __init__(self, env: dict[str, str], database_url: str, workers: int, log_dir: Path) -> None:
        self.port = free_port()
        self.relay_metrics_port = free_port()
        self.workers = workers
        self.log_dir = log_dir
        self.env = {
            **os.environ,
            **env,
            f"{ENV_PREFIX}DATABASE_URL": database_url,
            f"{ENV_PREFIX}PORT": str(self.port),
            f"{ENV_PREFIX}RELAY_ENABLED": "false",  # the API leaves publishing to the relay process
            f"{ENV_PREFIX}RELAY_METRICS_PORT": str(self.relay_metrics_port),
        }
        self.serve: subprocess.Popen[bytes] | None = None
        self.relay: subprocess.Popen[bytes] | None = None
        self._log_mark, self._killed_at = 0, 0.0
        self.orphans: list[int] = []  # server processes still running after their master exited

    def _spawn(self, argv: tuple[str, ...], log_name: str) -> subprocess.Popen[bytes]:
        with (self.log_dir / log_name).open("ab") as log:
            return subprocess.Popen(argv, cwd=REPO_ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start_relay(self) -> None:
        self.relay = self._spawn(RELAY, "relay.log")

    def start_serve(self, timeout_s: float = 60.0) -> None:
        self.serve = self._spawn((*SERVE, str(self.workers)), "serve.log")
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.serve.poll() is not None:
                raise RuntimeError(f"serve exited with {self.serve.returncode}; see {self.log_dir}")
            if self.healthy():
                return
            time.sleep(0.2)
        raise RuntimeError(f"serve did not answer /healthz in {timeout_s:.0f} s; see {self.log_dir}")

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        return [] if self.serve is None else process_tree(self.serve.pid)[1:]

    def relay_cpu_seconds(self) -> float:
        return 0.0 if self.relay is None else cpu_seconds(process_tree(self.relay.pid))

    def kill_relay(self) -> None:
        if self.relay is not None:
            self.relay.kill()
            self.relay.wait()

    def kill_worker(self) -> int:
        """SIGKILL one API worker; granian's master is expected to start a new one."""
        victim = self.worker_pids()[0]
        self._log_mark = (self.log_dir / "serve.log").stat().st_size
        os.kill(victim, signal.SIGKILL)
        self._killed_at = time.monotonic()
        return victim

    def wait_worker_started(self, timeout_s: float = 60.0) -> float | None:
        """Seconds until granian logs a worker as started after the last kill_worker (None: not in time).

        The server's own log line is the only sign of a worker being ready: requests cannot be
        aimed at one worker while the others answer them.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with (self.log_dir / "serve.log").open("rb") as log:
                log.seek(self._log_mark)
                if b"Started worker" in log.read():
                    return time.monotonic() - self._killed_at
            time.sleep(0.1)
        return None

    def terminate_serve(self, timeout_s: float = 60.0) -> tuple[int, list[int]]:
        """SIGTERM the server as an orchestrator would: its exit code (-9 if it had to be killed)
        and the pids of any worker that outlived the master (killed, so the port is free again)."""
        assert self.serve is not None
        tree = process_tree(self.serve.pid)
        self.serve.send_signal(signal.SIGTERM)
        try:
            code = self.serve.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.serve.kill()
            code = self.serve.wait()
        return code, self._reap_orphans(tree[1:])

    def _reap_orphans(self, pids: list[int], grace_s: float = 10.0) -> list[int]:
        deadline = time.monotonic() + grace_s
        while (alive := [pid for pid in pids if _running(pid)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        for pid in alive:
            os.kill(pid, signal.SIGKILL)
        self.orphans.extend(alive)
        return alive

    def stop(self) -> dict[str, int]:
        """SIGTERM both (serve first, so the relay drains what it committed); their exit codes."""
        codes = {}
        if self.serve is not None and self.serve.poll() is None:
            codes["serve"], _ = self.terminate_serve()
        if self.relay is not None:
            process = self.relay
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
            try:
                codes["relay"] = process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                codes["relay"] = process.wait()
        return codes


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for init, which may never reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"
