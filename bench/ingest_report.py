"""The ingestion bench in the report: one row per batch size, and the issue's essays/s target."""

from __future__ import annotations

from typing import Any

TARGET_ESSAYS_PER_S = 10_000
CONFIRM_P99_MS = 20.0

Result = dict[str, Any]


def _sizes(ingest: Result) -> list[tuple[int, Result]]:
    return sorted(
        (int(key.removeprefix("batch_")), value) for key, value in ingest.items() if key.startswith("batch_")
    )


def targets(ingest: Result) -> list[Result]:
    """≥ 10,000 essays/s ingested into PostgreSQL, for each batch size measured."""
    checks = []
    for size, result in _sizes(ingest):
        measured = result["repository"]["essays_per_s"]
        checks.append(
            {
                "target": f"ingest, batches of {size} essays ≥ {TARGET_ESSAYS_PER_S:,} essays/s",
                "measured": measured,
                "status": "PASS" if measured >= TARGET_ESSAYS_PER_S else "MISS",
            }
        )
        confirm = result["repository"].get("confirm")
        if confirm:
            p99 = confirm["p99_ms"]
            label = f"confirm a {size}-essay batch @{confirm['rate']}/s (repository) p99"
            checks.append(
                {
                    "target": f"{label} ≤ {CONFIRM_P99_MS:g} ms",
                    "measured": p99,
                    "status": "PASS" if p99 <= CONFIRM_P99_MS else "MISS",
                }
            )
    return checks


def section(ingest: Result | None) -> list[str]:
    """A heading and a table, or nothing when the ingestion bench was skipped."""
    if not ingest or ingest.get("status") == "skipped":
        return []
    head = (
        "| batch size | essays/s | batches/s | batch p50 / p99 ms | ceiling essays/s "
        "| ceiling batch p50 / p99 ms | x ceiling |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    rows = [head]
    for size, result in _sizes(ingest):
        repo, ceiling = result["repository"], result["ceiling"]
        rows.append(
            f"| {size} | {repo['essays_per_s']:,} | {repo['batches_per_s']:,} "
            f"| {repo['batch_p50_ms']} / {repo['batch_p99_ms']} | {ceiling['essays_per_s']:,} "
            f"| {ceiling['batch_p50_ms']} / {ceiling['batch_p99_ms']} | {result['ratio_to_ceiling']} |"
        )
    for size, result in _sizes(ingest):
        confirm = result["repository"].get("confirm")
        if confirm:
            rows.append(
                f"\nConfirm every essay of a {size}-essay batch (completes it: confirmed event and "
                f"notification), {confirm['confirmations']} at {confirm['rate']}/s through the repository: "
                f"p50 {confirm['p50_ms']} ms, p99 {confirm['p99_ms']} ms, max {confirm['max_ms']} ms"
            )
    title = (
        f"## Suggestions ingested into PostgreSQL ({ingest['concurrency']} ingesters, "
        f"{ingest['candidates_per_essay']} candidates per essay; ceiling: the same rows, "
        "one bare statement per batch)"
    )
    return [title, "\n".join(rows)]
