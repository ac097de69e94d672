"""The service's commands run as a user types them, and their processes found through /proc."""

from __future__ import annotations

import asyncio
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

PREFIX = "CLASS_MANAGEMENT_SERVICE_"


def command_env(database_url: str, services_env: dict[str, str], **settings: object) -> dict[str, str]:
    """The caller's environment without any CMS setting, plus the real services and ``settings``.

    ``settings`` are Settings field names (``relay_enabled=False``), exported with the prefix.
    Every process gets a relay status port of its own, so that processes side by side never
    compete for the default one.
    """
    inherited = {name: value for name, value in os.environ.items() if not name.startswith(PREFIX)}
    services = {name: value for name, value in services_env.items() if name.startswith(PREFIX)}
    chosen = {f"{PREFIX}{name.upper()}": _env_value(value) for name, value in settings.items()}
    return {
        **inherited,
        **services,
        f"{PREFIX}DATABASE_URL": database_url,
        f"{PREFIX}LOG_LEVEL": "WARNING",
        f"{PREFIX}RELAY_METRICS_PORT": str(free_port()),
        **chosen,
    }


def _env_value(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class Command:
    """One ``python -m class_management_service …`` process, in a session (process group) of its own."""

    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def send(self, signum: signal.Signals) -> None:
        self.process.send_signal(signum)

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")

    async def wait(self, within_s: float) -> int:
        """The exit code; fails with the command's output if it is still running after ``within_s``."""
        deadline = time.monotonic() + within_s
        while self.process.poll() is None:
            if time.monotonic() > deadline:
                pytest.fail(f"pid {self.pid} still running after {within_s}s:\n{self.output()[-3000:]}")
            await asyncio.sleep(0.05)
        return self.process.returncode

    def kill_group(self) -> None:
        """SIGKILL this command and whatever it forked (the group it leads); for clean-up."""
        with suppress(ProcessLookupError):
            os.killpg(self.pid, signal.SIGKILL)
        self.process.wait()


def start(arguments: Sequence[str], env: dict[str, str], log_path: Path) -> Command:
    """``python -m class_management_service <arguments>`` with stdout and stderr in ``log_path``."""
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-m", "class_management_service", *arguments],
            cwd=REPO_ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Command(process, log_path)


@asynccontextmanager
async def running(arguments: Sequence[str], env: dict[str, str], log_path: Path) -> AsyncIterator[Command]:
    """A started command that is killed with everything it forked if the block leaves it running."""
    command = start(arguments, env, log_path)
    try:
        yield command
    finally:
        command.kill_group()


def run_to_end(arguments: Sequence[str], env: dict[str, str], timeout_s: float = 120.0) -> str:
    """Run a command to completion; fail with its output unless it exits 0."""
    completed = subprocess.run(  # noqa: S603 - our own interpreter and module, no shell
        [sys.executable, "-m", "class_management_service", *arguments],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    return output


def children(pid: int) -> list[int]:
    """Direct children of ``pid``, from every thread's ``/proc/<pid>/task/<tid>/children``."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with suppress(OSError):
            found.update(int(child) for child in (task / "children").read_text().split())
    return sorted(found)


def is_alive(pid: int) -> bool:
    """Running and not a zombie waiting to be reaped."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


async def wait_for_children(pid: int, count: int, within_s: float = 60.0) -> list[int]:
    """The live children of ``pid`` once there are ``count`` of them (the granian workers)."""
    deadline = time.monotonic() + within_s
    while True:
        alive = [child for child in children(pid) if is_alive(child)]
        if len(alive) == count:
            return alive
        if time.monotonic() > deadline:
            pytest.fail(f"pid {pid} has children {alive}, expected {count}")
        await asyncio.sleep(0.05)


def http_status(port: int, path: str = "/healthz", timeout_s: float = 2.0) -> int | None:
    """The status of one GET, or None when nothing answered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    except OSError:
        return None
    finally:
        connection.close()


async def wait_until_serving(command: Command, port: int, within_s: float = 90.0) -> None:
    """Until ``GET /healthz`` on ``port`` answers 200; fails early if the command exits."""
    deadline = time.monotonic() + within_s
    while await asyncio.to_thread(http_status, port) != 200:
        if command.process.poll() is not None:
            pytest.fail(f"exited with {command.process.returncode}:\n{command.output()[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"port {port} not serving after {within_s}s:\n{command.output()[-3000:]}")
        await asyncio.sleep(0.1)
