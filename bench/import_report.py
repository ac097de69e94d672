"""The roster import bench in the report: the big import beside its ceiling, and issue 17's targets."""

from __future__ import annotations

from typing import Any

TARGET_SHARE_OF_CEILING = 0.6
TARGET_ROWS_PER_S = 10_000
TARGET_TIMES_SINGLE = 10
SMALL_P50_MS, SMALL_P99_MS = 15.0, 40.0
TARGET_RELAY_EVENTS_PER_S = 10_000

Result = dict[str, Any]


def _check(target: str, measured: object, is_met: bool) -> Result:
    return {"target": target, "measured": measured, "status": "PASS" if is_met else "MISS"}


def add_single_create_ratio(imported: Result, scenarios: dict[str, Result]) -> None:
    """The import's students/s over the single-create route's req/s measured in the same run."""
    single = scenarios.get("post_student")
    if "http" in imported and single and single.get("rps"):
        imported["single_create_rps"] = single["rps"]
        imported["times_single_create"] = round(imported["http"]["rows_per_s"] / single["rps"], 1)


def targets(imported: Result) -> list[Result]:
    if "http" not in imported:
        return []
    rows = imported["rows"]
    rate, ratio = imported["http"]["rows_per_s"], imported["ratio_to_ceiling"]
    small, drain = imported["small_imports"], imported["relay_drain"]
    share = f"import of {rows:,} rows ≥ {TARGET_SHARE_OF_CEILING:.0%} of its COPY ceiling"
    checks = [
        _check(share, ratio, ratio >= TARGET_SHARE_OF_CEILING),
        _check(
            f"import of {rows:,} rows ≥ {TARGET_ROWS_PER_S:,} students/s", rate, rate >= TARGET_ROWS_PER_S
        ),
    ]
    if "times_single_create" in imported:
        times = imported["times_single_create"]
        label = f"import ≥ {TARGET_TIMES_SINGLE}x the single-create route"
        checks.append(_check(label, times, times >= TARGET_TIMES_SINGLE))
    label, is_clean = f"{small['rows_per_import']}-row import @{small['rate']}/s", not small["errors"]
    relay_rate = drain["drain_events_per_s"]
    relay_label = f"relay drains an import's events ≥ {TARGET_RELAY_EVENTS_PER_S:,}/s"
    return [
        *checks,
        _check(
            f"{label} p50 ≤ {SMALL_P50_MS:g} ms",
            small["p50_ms"],
            is_clean and small["p50_ms"] <= SMALL_P50_MS,
        ),
        _check(
            f"{label} p99 ≤ {SMALL_P99_MS:g} ms",
            small["p99_ms"],
            is_clean and small["p99_ms"] <= SMALL_P99_MS,
        ),
        _check(relay_label, relay_rate, relay_rate >= TARGET_RELAY_EVENTS_PER_S),
    ]


def section(imported: Result | None) -> list[str]:
    """A heading and a table, or nothing when the import bench was skipped."""
    if not imported or "http" not in imported:
        return []
    http, ceiling, s = imported["http"], imported["ceiling"], imported["small_imports"]
    drain, sqlite, single = imported["relay_drain"], imported["sqlite"], imported.get("single_create_rps")
    copies = ", ".join(f"{table} {ceiling[f'{table}_s']}" for table in ("students", "memberships", "outbox"))
    cells = [
        (
            f"import through `POST /v1/classes/students/import` (JSON, {http['body_mb']} MB)",
            f"{http['rows_per_s']:,} students/s ({http['seconds']} s)",
        ),
        (
            "ceiling: bare COPY of the same rows, one transaction",
            f"{ceiling['rows_per_s']:,} rows/s ({ceiling['seconds']} s: {copies})",
        ),
        ("x ceiling", str(imported["ratio_to_ceiling"])),
        ("server CPU / peak RSS", f"{http['server_cpu_s']} s / {http['server_peak_rss_mb']} MB"),
        (
            "single-create route (post_student, same run)",
            f"{single:,} req/s (import: {imported['times_single_create']}x)" if single else "not measured",
        ),
        (
            f"{s['rows_per_import']}-row imports @{s['rate']}/s ({s['teachers']} teachers) p50/p99/max",
            f"{s['p50_ms']} / {s['p99_ms']} / {s['max_ms']} ms ({s['errors']} errors)",
        ),
        (
            f"relay drains the import's {drain['backlog']:,} events",
            f"{drain['drain_events_per_s']:,} events/s",
        ),
        (
            "embedded SQLite, the same import in-process",
            f"{sqlite['rows_per_s']:,} students/s ({sqlite['seconds']} s)"
            if sqlite.get("status") == "OK"
            else str(sqlite.get("status")),
        ),
    ]
    table = "\n".join(["| measure | value |", "| --- | ---: |", *(f"| {a} | {b} |" for a, b in cells)])
    title = f"## Roster import ({imported['rows']:,} students into one class, production durability)"
    return [title, table]
