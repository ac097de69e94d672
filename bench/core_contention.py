"""How much slower Python runs on one core while the other core is busy: the machine's contention.

The targets' portable unit (CPU milliseconds per request) assumes a request costs the same CPU
whatever runs beside it. On some virtual machines it does not: two vCPUs can share one physical
core (hyper-threads of the host), so a process is billed more CPU time for the same work whenever
its neighbour is busy. Measured on the 2-vCPU KVM guest of issue 4: a pure-Python loop took
0.46 s of CPU alone and 0.82 s while another Python loop ran on the other vCPU (1.78 times);
an hour later the same probe found no difference, so the factor moves with the host's load.

During a write scenario the other core is never idle: PostgreSQL, the relay, Kafka and wrk run
there. This probe measures the factor once per run, before the service starts, so a reader can
tell a slow machine from slow code. It is a property of the machine, not of the service.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

ROUNDS = 4
WORK_REPEATS = 2
WORK_ITERATIONS = 1_500_000  # ~0.3 s of CPU per repetition on the issue-4 machine
SPIN_SECONDS = 30.0


def _python_work() -> None:
    """Interpreter-bound work shaped like request handling: dicts, strings, small calls."""
    table: dict[int, str] = {}
    for i in range(WORK_ITERATIONS):
        table[i & 1023] = str(i)
        _ = len(table[i & 1023]) + i % 7


def _work(cpu: int) -> float:
    """The least CPU time of a few runs of the work, pinned to ``cpu``."""
    os.sched_setaffinity(0, {cpu})
    best = float("inf")
    for _ in range(WORK_REPEATS):
        started = time.process_time()
        _python_work()
        best = min(best, time.process_time() - started)
    return best


def _spin(cpu: int, seconds: float) -> None:
    os.sched_setaffinity(0, {cpu})
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        sum(range(1_000))


def _run_work(cpu: int) -> float:
    command = [sys.executable, "-m", "bench.core_contention", "work", str(cpu)]
    return float(subprocess.run(command, capture_output=True, text=True, check=True).stdout)


def _run_beside_spinner(first: int, second: int) -> float:
    spin_command = [sys.executable, "-m", "bench.core_contention", "spin", str(second), str(SPIN_SECONDS)]
    spinner = subprocess.Popen(spin_command)
    try:
        time.sleep(0.2)  # the spinner is running before the work starts
        return _run_work(first)
    finally:
        spinner.kill()
        spinner.wait()


def measure_core_contention() -> dict[str, object]:
    """CPU seconds of the same work on one core alone and beside a busy core, and their ratio.

    Alone and beside-busy alternate for a few rounds and each keeps its least time: a moment of
    load from elsewhere on the host then inflates one sample, not the result.
    """
    if not hasattr(os, "sched_setaffinity") or len(os.sched_getaffinity(0)) < 2:
        return {"status": "skipped: needs two usable cores and CPU affinity"}
    first, second = sorted(os.sched_getaffinity(0))[:2]
    alone, beside_busy = [], []
    for _ in range(ROUNDS):
        alone.append(_run_work(first))
        beside_busy.append(_run_beside_spinner(first, second))
    return {
        "alone_cpu_s": round(min(alone), 3),
        "beside_busy_core_cpu_s": round(min(beside_busy), 3),
        "slowdown": round(min(beside_busy) / min(alone), 2),
    }


def python_speed_probe() -> float | None:
    """CPU seconds of the work on one core, now: this machine's speed for Python at this moment.

    Taken next to each timed run, so a run in a slow phase of the host (the same work costing
    0.29 s at one hour and 0.50 s at another on the issue-4 machine) can be told from slow code.
    It is a snapshot: the host's phases can change within the seconds of the run that follows.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None
    return round(_run_work(min(os.sched_getaffinity(0))), 3)


def main(argv: list[str]) -> None:
    """Child entry points: ``work CPU`` prints CPU seconds; ``spin CPU SECONDS`` keeps a core busy."""
    mode, cpu = argv[0], int(argv[1])
    if mode == "work":
        print(_work(cpu))
    else:
        _spin(cpu, float(argv[2]))


if __name__ == "__main__":
    main(sys.argv[1:])
