"""``python -m bench.run``: benchmark the service end to end and write bench/results/latest.json.

Order: fresh database → database ceiling (raw asyncpg, before the service starts) → service with
the production command → seed → framework ceiling and each scenario → the same with the
production worker count → relay backlog drain on its own fresh database → suggestions ingestion
(repository and its database ceiling) on another → roster import (route and its COPY ceiling) on
another → table and JSON.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import time
import uuid
from typing import Any

from bench import report
from bench.closed_loop import LoadSettings, wrk_path
from bench.core_contention import measure_core_contention
from bench.db_ceiling import measure_db_ceiling
from bench.environment import (
    CACHE_DIR,
    ENV_PREFIX,
    asyncpg_dsn,
    fresh_database,
    machine_info,
    production_durability,
    service_env,
)
from bench.environment import services_env as read_services_env
from bench.import_bench import measure_import
from bench.ingest_bench import measure_ingest
from bench.measure import RunContext, measure
from bench.open_loop import vegeta_path
from bench.options import Options, parse_options
from bench.relay_drain import drain_backlog
from bench.rounds import median_round
from bench.sampling_profile import py_spy_path
from bench.scenarios import CEILING, Scenario
from bench.seed import SeededData, seed
from bench.server import start_service
from bench.summary import ServerRun, assemble


async def _serve_and_measure(
    options: Options,
    env: dict[str, str],
    workers: int,
    scenarios: tuple[Scenario, ...],
    seeded: SeededData | None,
) -> tuple[ServerRun, SeededData]:
    tag = f"{uuid.uuid4().hex[:6]}w{workers}"
    work_dir = CACHE_DIR / f"run-{tag}"
    work_dir.mkdir(parents=True, exist_ok=True)
    relay_process = options.use_kafka and options.relay_process
    service = start_service(workers, env, work_dir / "service.log", relay_process=relay_process)
    try:
        if seeded is None:
            print(f"seeding through the API ({service.base_url}) …", flush=True)
            seeded = await asyncio.to_thread(
                seed, service.base_url, {s.seed for s in scenarios}, work_dir, tag
            )
        context = RunContext(
            service=service,
            seeded=seeded,
            load=LoadSettings(options.connections, options.wrk_threads, options.duration_s),
            warmup_s=options.warmup_s,
            open_loop_rate=options.open_loop_rate,
            open_loop_duration_s=options.open_loop_duration_s,
            dsn=asyncpg_dsn(env[f"{ENV_PREFIX}DATABASE_URL"]),
            kafka_bootstrap=env[f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS"],
            work_dir=work_dir,
            tag=tag,
            is_profiled=options.is_profiled,
        )
        measured: dict[str, list[dict[str, object]]] = {}
        for number in range(1, options.rounds + 1):
            for scenario in (CEILING, *scenarios):
                print(f"[{workers} worker(s), round {number}/{options.rounds}] {scenario.name} …", flush=True)
                # Each round's own tag: its unique emails and names must not repeat an earlier round's.
                in_round = dataclasses.replace(context, tag=f"{tag}r{number}")
                result = await measure(in_round, scenario)
                measured.setdefault(scenario.name, []).append(result)
        results = {name: median_round(rounds) for name, rounds in measured.items()}
        rss = service.rss_mb()
    finally:
        service.stop()
    ceiling = results.pop(CEILING.name)
    return ServerRun(workers, ceiling, results, rss, service.argv), seeded


async def _relay_drain(options: Options, services: dict[str, str]) -> dict[str, object]:
    if not options.use_kafka or not options.relay_backlog:
        return {"status": "skipped"}
    async with fresh_database(services, "relay", keep=options.keep_db) as url:
        env = service_env(services, url, use_kafka=True, overrides=options.service_env)
        print(f"relay: draining a backlog of {options.relay_backlog:,} events …", flush=True)
        try:
            return await drain_backlog(url, env, options.relay_backlog, CACHE_DIR / "relay.log")
        except RuntimeError as error:
            return {"status": f"FAILED: {error} ({CACHE_DIR / 'relay.log'})"}


async def _ingest(options: Options, services: dict[str, str]) -> dict[str, object]:
    if not options.ingest_essays:
        return {"status": "skipped"}
    async with fresh_database(services, "ingest", keep=options.keep_db) as url:
        # Bounded by the essays given; the time limit only stops a run far slower than expected.
        limit_s = 3 * options.duration_s
        return await measure_ingest(url, options.ingest_essays, options.ingest_concurrency, limit_s)


async def _import(options: Options, services: dict[str, str]) -> dict[str, object]:
    if not options.import_rows or not options.use_kafka:
        return {"status": "skipped"}
    async with fresh_database(services, "import", keep=options.keep_db) as url:
        env = service_env(services, url, use_kafka=True, overrides=options.service_env)
        work_dir = CACHE_DIR / f"import-{uuid.uuid4().hex[:6]}"
        work_dir.mkdir(parents=True, exist_ok=True)
        rows, rounds = options.import_rows, options.import_rounds
        return await measure_import(url, env, rows, options.duration_s, work_dir, rounds)


async def _measure_service(
    options: Options, services: dict[str, str]
) -> tuple[dict[str, object], dict[str, object], ServerRun, ServerRun | None]:
    # The database ceiling gets a database of its own: its ~50k inserted and deleted rows
    # would otherwise leave dead index entries and autovacuum work under the service's POSTs.
    async with fresh_database(services, "dbceiling", keep=options.keep_db) as url:
        machine = await machine_info(url)
        print("core contention: Python work alone and beside a busy core …", flush=True)
        machine["core_contention"] = await asyncio.to_thread(measure_core_contention)
        print(f"database ceiling: raw asyncpg, {options.connections} clients …", flush=True)
        db_ceiling = await measure_db_ceiling(asyncpg_dsn(url), options.connections, options.duration_s)
    async with fresh_database(services, "main", keep=options.keep_db) as url:
        env = service_env(services, url, options.use_kafka, options.service_env)
        main, seeded = await _serve_and_measure(options, env, options.workers, options.scenarios, None)
        scaled = None
        if options.scaling_workers:
            main_scenarios = tuple(s for s in options.scenarios if s.is_main)
            scaled, _ = await _serve_and_measure(
                options, env, options.scaling_workers, main_scenarios, seeded
            )
    return machine, db_ceiling, main, scaled


async def run(options: Options) -> dict[str, Any]:
    wrk_path()
    if options.is_profiled:
        py_spy_path()
    if options.open_loop_duration_s:
        await vegeta_path()
    services = read_services_env()
    started = time.time()
    async with production_durability(services) as durability:
        machine, db_ceiling, main, scaled = await _measure_service(options, services)
        drain = await _relay_drain(options, services)
        ingest = await _ingest(options, services)
        imported = await _import(options, services)
    return assemble(
        options,
        machine={**machine, "postgres_durability": durability},
        db_ceiling=db_ceiling,
        main=main,
        scaled=scaled,
        drain=drain,
        ingest=ingest,
        imported=imported,
        elapsed_s=time.time() - started,
    )


def main(argv: list[str] | None = None) -> None:
    options = parse_options(argv)
    results = asyncio.run(run(options))
    markdown = report.render(results)
    print("\n" + markdown)
    options.output.parent.mkdir(parents=True, exist_ok=True)
    options.output.write_text(json.dumps(results, indent=2) + "\n")
    options.output.with_suffix(".md").write_text(markdown + "\n")
    print(f"results: {options.output} (and {options.output.with_suffix('.md').name})")
    sys.exit(1 if results["status"] == "FAILED" else 0)


if __name__ == "__main__":
    main()
