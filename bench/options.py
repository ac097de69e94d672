"""Command-line options of ``python -m bench.run``."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from bench.scenarios import SCENARIOS, SCENARIOS_BY_NAME, Scenario

RESULTS_DIR = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Options:
    """One benchmark run's settings, after ``--quick`` has been applied."""

    scenarios: tuple[Scenario, ...]
    workers: int
    scaling_workers: int
    rounds: int
    duration_s: int
    warmup_s: int
    connections: int
    wrk_threads: int
    open_loop_rate: int
    open_loop_duration_s: int
    relay_backlog: int
    ingest_essays: int
    ingest_concurrency: int
    import_rows: int
    import_rounds: int
    use_kafka: bool
    relay_process: bool
    service_env: dict[str, str]
    keep_db: bool
    is_profiled: bool
    output: Path


def _scenario_list(value: str) -> tuple[Scenario, ...]:
    names = [name.strip() for name in value.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS_BY_NAME]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown scenarios {unknown}; choose from {list(SCENARIOS_BY_NAME)}"
        )
    return tuple(SCENARIOS_BY_NAME[name] for name in names)


def _positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise argparse.ArgumentTypeError("expected a whole number of at least 1")
    return number


def _env_pair(value: str) -> tuple[str, str]:
    key, sep, setting = value.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("expected KEY=VALUE")
    return key, setting


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description="Benchmark the service as production runs it (granian, fresh PostgreSQL, Kafka relay "
        "in-process) with wrk (closed loop, 50 connections) and vegeta (open loop, fixed rate).",
    )
    add = parser.add_argument
    add("--scenarios", type=_scenario_list, default=SCENARIOS, help="comma-separated (default: all)")
    add("--duration", type=int, default=10, help="seconds of measured load per scenario (default 10)")
    add(
        "--rounds",
        type=_positive_int,
        default=1,
        help="closed-loop runs of every scenario, interleaved; the median round is reported (default 1, "
        "which keeps a default run under 10 minutes; 3 for a careful comparison)",
    )
    add("--warmup", type=int, default=2, help="seconds of unmeasured load before each scenario (default 2)")
    add("--workers", type=int, default=1, help="granian workers of the main run (default 1)")
    add("--scaling-workers", type=int, default=2, help="rerun the main scenarios with N workers (0: skip)")
    add("--connections", type=int, default=50, help="wrk connections (default 50)")
    add("--wrk-threads", type=int, default=1, help="wrk threads (default 1: leaves the cores to the service)")
    add("--open-loop-rate", type=int, default=300, help="vegeta req/s per scenario (default 300)")
    add("--open-loop-duration", type=int, default=None, help="vegeta seconds (default: --duration; 0: skip)")
    add("--relay-backlog", type=int, default=50_000, help="outbox rows for the relay drain (0: skip)")
    add(
        "--ingest-essays",
        type=int,
        default=60_000,
        help="essays per batch size for the ingestion bench (default 60,000; 0: skip)",
    )
    add("--ingest-concurrency", type=_positive_int, default=4, help="concurrent ingesters (default 4)")
    add(
        "--import-rows",
        type=int,
        default=50_000,
        help="students in the roster import bench's one big import (default 50,000; 0: skip)",
    )
    add(
        "--import-rounds",
        type=_positive_int,
        default=3,
        help="ceiling and big import alternately, this many times; the median is reported (default 3)",
    )
    add("--no-kafka", action="store_true", help="serve without Kafka: no relay, no relay numbers")
    add(
        "--relay",
        choices=("process", "in-worker"),
        default="process",
        help="the relay as its own process beside the API (default, as the README deploys it) or in-worker",
    )
    add(
        "--service-env",
        type=_env_pair,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra service setting for experiments, e.g. CLASS_MANAGEMENT_SERVICE_DATABASE_POOL_SIZE=50",
    )
    add("--keep-db", action="store_true", help="keep the benchmark databases for inspection")
    add("--output", type=Path, default=None, help="results JSON (default bench/results/latest.json)")
    add("--profile", action="store_true", help="sample the worker with py-spy (needs py-spy installed)")
    add(
        "--quick",
        action="store_true",
        help="smoke run: 2 s per scenario, one round, no scaling run, no relay drain, 3,000 essays ingested, "
        "a 5,000-row import",
    )
    return parser


def parse_options(argv: list[str] | None = None) -> Options:
    args = _parser().parse_args(argv)
    quick = bool(args.quick)
    duration = 2 if quick else args.duration
    open_loop_duration = args.open_loop_duration if args.open_loop_duration is not None else duration
    default_output = RESULTS_DIR / ("quick.json" if quick else "latest.json")
    return Options(
        scenarios=args.scenarios,
        workers=args.workers,
        scaling_workers=0 if quick else args.scaling_workers,
        rounds=1 if quick else args.rounds,
        duration_s=duration,
        warmup_s=1 if quick else args.warmup,
        connections=args.connections,
        wrk_threads=args.wrk_threads,
        open_loop_rate=args.open_loop_rate,
        open_loop_duration_s=2 if quick and args.open_loop_duration is None else open_loop_duration,
        relay_backlog=0 if quick else args.relay_backlog,
        ingest_essays=min(args.ingest_essays, 3_000) if quick else args.ingest_essays,
        ingest_concurrency=args.ingest_concurrency,
        import_rows=min(args.import_rows, 5_000) if quick else args.import_rows,
        import_rounds=1 if quick else args.import_rounds,
        use_kafka=not args.no_kafka,
        relay_process=args.relay == "process",
        service_env=dict(args.service_env),
        keep_db=bool(args.keep_db),
        is_profiled=bool(args.profile),
        output=args.output or default_output,
    )
