"""``--profile``: sample the worker with py-spy during each timed run and say where its CPU goes.

Each sample is charged to the innermost frame that belongs to a known component (stdlib frames
such as asyncio's socket writes are charged to the library that called them), so the shares add
up to 100 % of the event-loop thread's busy time. py-spy is not a project dependency: install it
into the environment first (``uv pip install py-spy``). Sampling perturbs the numbers a little, so
compare profiled runs with profiled runs.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import sys
from collections import Counter
from pathlib import Path

COMPONENTS = (
    (
        "relay in-process (aiokafka, redis, outbox relay)",
        r"aiokafka/|redis/|outbox_relay|kafka_publisher|outbox_store",
    ),
    ("asyncpg (driver, socket I/O)", r"asyncpg/"),
    ("SQLAlchemy", r"sqlalchemy/|greenlet"),
    ("pydantic / email-validator", r"pydantic|email_validator"),
    ("quart-schema", r"quart_schema/"),
    ("dishka / quart-dishka", r"dishka"),
    ("structlog (access log)", r"structlog/"),
    ("prometheus_client", r"prometheus_client/"),
    ("werkzeug (routing, headers)", r"werkzeug/"),
    ("quart", r"quart/"),
    ("granian (ASGI glue)", r"granian/"),
    ("app: api", r"class_management_service/api/"),
    ("app: services", r"class_management_service/services/"),
    ("app: domain", r"class_management_service/domain/"),
    ("app: implementations", r"class_management_service/implementations/"),
    ("uuid", r"uuid\.py"),
)
_EVENT_LOOP = "asyncio event loop (no library above)"


def py_spy_path() -> str:
    found = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("--profile needs py-spy: uv pip install py-spy")
    return found


async def record(pid: int, seconds: int, output: Path) -> asyncio.subprocess.Process:
    """Start sampling ``pid`` for ``seconds`` (collapsed stacks); await ``.wait()`` on the result."""
    return await asyncio.create_subprocess_exec(
        py_spy_path(),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(seconds),
        "--rate",
        "250",
        "--nonblocking",
        "--format",
        "raw",
        "--output",
        str(output),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


def _event_loop_stacks(raw: str) -> list[tuple[list[str], int]]:
    stacks = []
    for line in raw.splitlines():
        stack, _, count = line.rstrip().rpartition(" ")
        # Skip native-only samples and granian's threads handing requests to the loop.
        if stack.strip() and not stack.startswith("BaseEventLoop.call_soon_threadsafe"):
            stacks.append((stack.split(";"), int(count)))
    return stacks


def _component(frames: list[str]) -> str:
    for frame in reversed(frames):
        for name, pattern in COMPONENTS:
            if re.search(pattern, frame):
                return name
    return _EVENT_LOOP


def summarise(raw_file: Path, top: int = 12) -> dict[str, object]:
    """Share of busy samples per component, and the hottest leaf frames."""
    stacks = _event_loop_stacks(raw_file.read_text()) if raw_file.exists() else []
    total = sum(count for _, count in stacks)
    if not total:
        return {"samples": 0}
    by_component: Counter[str] = Counter()
    by_leaf: Counter[str] = Counter()
    for frames, count in stacks:
        by_component[_component(frames)] += count
        by_leaf[frames[-1]] += count
    return {
        "samples": total,
        "raw_file": str(raw_file),
        "components_pct": {name: round(100 * n / total, 1) for name, n in by_component.most_common()},
        "top_leaf_frames_pct": {frame: round(100 * n / total, 1) for frame, n in by_leaf.most_common(top)},
    }
