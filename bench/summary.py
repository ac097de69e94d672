"""Assemble one run's measurements into the results document (``latest.json``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from bench import import_report, ingest_report, report
from bench.options import Options


@dataclass(frozen=True)
class ServerRun:
    """The results of one server start: ceiling, scenarios and the workers' peak memory."""

    workers: int
    ceiling: dict[str, Any]
    scenarios: dict[str, dict[str, Any]]
    rss_mb: dict[str, object]
    server_argv: list[str]


def _relay_summary(drain: dict[str, object], scenarios: dict[str, dict[str, Any]]) -> dict[str, object]:
    post_student = scenarios.get("post_student", {})
    saturated = post_student.get("commit_to_ack") or {}
    at_rate = (post_student.get("open_loop") or {}).get("commit_to_ack") or {}
    return {
        "drain_events_per_s": drain.get("drain_events_per_s"),
        # At the fixed open-loop rate: the latency a consumer sees in normal operation.
        "commit_to_ack_p50_ms": at_rate.get("p50_ms"),
        "commit_to_ack_p99_ms": at_rate.get("p99_ms"),
        # Under closed-loop saturation: the relay waits behind 50 queued requests in the same loop.
        "saturated_commit_to_ack_p50_ms": saturated.get("p50_ms"),
        "saturated_commit_to_ack_p99_ms": saturated.get("p99_ms"),
        "commit_to_ack_measured_in": "post_student" if post_student else None,
        "drain": drain,
    }


def _settings(options: Options, main: ServerRun, elapsed_s: float) -> dict[str, object]:
    """How the run was made: enough to repeat it, including the exact server command."""
    return {
        "rounds": options.rounds,
        "duration_s": options.duration_s,
        "warmup_s": options.warmup_s,
        "connections": options.connections,
        "wrk_threads": options.wrk_threads,
        "open_loop_rate": options.open_loop_rate,
        "open_loop_duration_s": options.open_loop_duration_s,
        "log_level": "INFO",
        "kafka": options.use_kafka,
        "service_env_overrides": options.service_env,
        "server_argv": main.server_argv,
        "elapsed_s": round(elapsed_s, 1),
    }


def assemble(
    options: Options,
    *,
    machine: dict[str, object],
    db_ceiling: dict[str, object],
    main: ServerRun,
    scaled: ServerRun | None,
    drain: dict[str, object],
    ingest: dict[str, Any],
    imported: dict[str, Any],
    elapsed_s: float,
) -> dict[str, Any]:
    """The results document: headline numbers, settings, targets and the scaling run."""
    report.add_ceiling_ratios(main.scenarios, main.ceiling)
    relay = _relay_summary(drain, main.scenarios) if options.use_kafka else {}
    import_report.add_single_create_ratio(imported, main.scenarios)
    failed = [n for n, r in main.scenarios.items() if r["status"] != "OK"] + (
        [] if main.ceiling["status"] == "OK" else ["ceiling"]
    )
    results: dict[str, Any] = {
        "status": "FAILED" if failed else "OK",
        "failed_scenarios": failed,
        "generated_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine,
        "workers": main.workers,
        "settings": _settings(options, main, elapsed_s),
        "ceiling": main.ceiling,
        "db_ceiling": db_ceiling,
        "scenarios": main.scenarios,
        "relay": relay,
        "rss_mb": main.rss_mb,
        "ingest": ingest,
        "import": imported,
        "targets": report.targets(main.scenarios, relay)
        + ingest_report.targets(ingest)
        + import_report.targets(imported),
    }
    if scaled is not None:
        scaled_all = {"ceiling": scaled.ceiling, **scaled.scenarios}
        report.add_speedups({"ceiling": main.ceiling, **main.scenarios}, scaled_all)
        results["scaling"] = {"workers": scaled.workers, "scenarios": scaled_all, "rss_mb": scaled.rss_mb}
    return results
