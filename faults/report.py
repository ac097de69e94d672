"""The result table, in markdown, for the terminal and faults/results/latest.md."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import time

from bench.environment import REPO_ROOT

from faults.timeline import FaultMeasure
from faults.verdict import WindowVerdict

HEADER = (
    "| fault | acked writes | refused writes by status | 5xx | events found | lost | duplicated "
    "| out of order | recovery s | outbox drained s | relay CPU during outage |"
)

LEGEND = (
    "A write belongs to the window it was sent in (from a fault's injection to the next fault). "
    "Refused: a reply other than 2xx (`no reply`: the connection failed). 5xx: any 5xx except the "
    "designed 503 with Retry-After. Recovery: seconds from undoing the fault (start command issued, "
    "worker killed) to the first 2xx for a write sent after it. Outbox drained: seconds from the "
    "same moment until every outbox row written before it was published. Relay CPU: the relay "
    "process's CPU time over the outage."
)


def _setup(options: argparse.Namespace, outcome: str) -> str:
    return (
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, commit {_commit()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}; `serve --workers {options.workers}` + `relay`, "
        f"{options.teachers} teachers at {options.rate:g} writes/s each. **{outcome}**."
    )


def _closing(drained_s: float | None, exit_codes: dict[str, int]) -> str:
    codes = ", ".join(f"{name} {code}" for name, code in exit_codes.items())
    drained = _number(drained_s, " s")
    return (
        f"- after the load stopped, the outbox drained in {drained}; exit codes on the final SIGTERM: {codes}"
    )


def _number(value: float | None, suffix: str = "") -> str:
    return "—" if value is None else f"{value:g}{suffix}"


def _refused(verdict: WindowVerdict) -> str:
    return ", ".join(f"{status}: {count}" for status, count in sorted(verdict.refused.items())) or "0"


def _row(window: str, verdict: WindowVerdict, measure: FaultMeasure) -> str:
    cells = [
        window,
        str(verdict.acknowledged),
        _refused(verdict),
        str(verdict.server_errors),
        str(verdict.events_found),
        str(verdict.lost),
        str(verdict.duplicated),
        str(verdict.out_of_order),
        _number(measure.api_recovery_s),
        _number(measure.outbox_drained_s),
        _number(measure.relay_cpu_pct, "% of a core"),
    ]
    return "| " + " | ".join(cells) + " |"


def _commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    return result.stdout.strip() or "unknown"


def render(
    order: list[str],
    verdicts: dict[str, WindowVerdict],
    measures: dict[str, FaultMeasure],
    options: argparse.Namespace,
    *,
    drained_s: float | None,
    exit_codes: dict[str, int],
    orphans: list[int],
) -> str:
    rows = [HEADER, "|" + "---|" * HEADER.count(" | ") + "---|"]
    total = WindowVerdict()
    for window in order:
        verdict = verdicts.get(window, WindowVerdict())
        rows.append(_row(window, verdict, measures.get(window, FaultMeasure())))
        for name in ("acknowledged", "server_errors", "events_found", "lost", "duplicated", "out_of_order"):
            setattr(total, name, getattr(total, name) + getattr(verdict, name))
        total.refused.update(verdict.refused)
    rows.append(_row("**all**", total, FaultMeasure()))
    notes = [
        f"- {window}: {measures[window].note}"
        for window in order
        if measures.get(window, FaultMeasure()).note
    ]
    outcome = "FAILED" if total.failed or drained_s is None or orphans else "passed"
    return "\n".join(
        [
            "# Fault suite (`make faults`)",
            "",
            _setup(options, outcome),
            "",
            *rows,
            "",
            LEGEND,
            "",
            *notes,
            _closing(drained_s, exit_codes),
            f"- server processes that outlived their master (each fails the run): {orphans or 'none'}",
            "",
        ]
    )
