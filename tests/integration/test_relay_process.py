"""The `relay` command as deployed: its own /healthz and /metrics, and the API noticing when it dies."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sys
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.app import create_app
from tests.integration.conftest import envelope_row, insert_rows, relay_settings, wait_until
from tests.processes import free_port

STALL_AFTER_S = 10.0


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test URL
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


class RelayProcess:
    """``python -m class_management_service relay`` on a free status port."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.base = f"http://127.0.0.1:{port}"

    async def get(self, path: str) -> tuple[int, str]:
        return await asyncio.to_thread(_get, self.base + path)

    async def health(self) -> dict[str, Any] | None:
        try:
            status, body = await self.get("/healthz")
        except OSError:  # not listening yet
            return None
        parsed: dict[str, Any] = json.loads(body)
        parsed["http_status"] = status
        return parsed

    async def metric(self, name: str) -> float | None:
        _, body = await self.get("/metrics")
        for family in text_string_to_metric_families(body):
            for sample in family.samples:
                if sample.name == name:
                    return float(sample.value)
        return None


def _relay_env(postgres_url: str, services_env: dict[str, str], port: int) -> dict[str, str]:
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("CLASS_MANAGEMENT_SERVICE_")}
    return {
        **inherited,
        **{k: v for k, v in services_env.items() if k.startswith("CLASS_MANAGEMENT_SERVICE_")},
        "CLASS_MANAGEMENT_SERVICE_DATABASE_URL": postgres_url,
        "CLASS_MANAGEMENT_SERVICE_LOG_LEVEL": "WARNING",
        "CLASS_MANAGEMENT_SERVICE_RELAY_POLL_INTERVAL_S": "0.2",
        "CLASS_MANAGEMENT_SERVICE_RELAY_METRICS_PORT": str(port),
        "CLASS_MANAGEMENT_SERVICE_OUTBOX_STALL_AFTER_S": str(STALL_AFTER_S),
    }


@pytest.fixture
async def relay_process(postgres_url: str, services_env: dict[str, str]) -> AsyncIterator[RelayProcess]:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "class_management_service",
        "relay",
        env=_relay_env(postgres_url, services_env, port),
    )
    try:
        yield RelayProcess(process, port)
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGKILL)
            await process.wait()


async def test_relay_process_reports_leadership_broker_and_backlog_and_counts_what_it_publishes(
    clean_pg: AsyncEngine, relay_process: RelayProcess
) -> None:
    async def leads_with_broker_ok() -> bool:
        health = await relay_process.health()
        return health is not None and health["checks"]["leadership"] == "leading"

    await wait_until(leads_with_broker_ok, within_s=30, interval=0.2, what="the relay's /healthz")
    await insert_rows(clean_pg, [envelope_row(f"key-{i}") for i in range(5)])

    async def published(count: int) -> bool:
        return (await relay_process.metric("cms_outbox_published_total") or 0.0) >= count

    await wait_until(lambda: published(5), within_s=30, interval=0.2, what="5 published")
    await insert_rows(clean_pg, [envelope_row(f"key-{i}") for i in range(3)])
    await wait_until(lambda: published(8), within_s=30, interval=0.2, what="8 published")

    health = await relay_process.health()
    assert health is not None
    assert health["http_status"] == 200
    assert health["role"] == "relay"
    assert health["status"] == "healthy"
    assert health["checks"]["kafka"]["state"] == "ok"
    assert health["checks"]["kafka"]["failing_since"] is None
    assert health["checks"]["outbox"]["pending"] == 0
    assert await relay_process.metric("cms_relay_leader") == 1.0
    assert await relay_process.metric("cms_outbox_pending") == 0.0
    assert await relay_process.metric("cms_http_requests_total") is None  # the API's series stay there
    consumer = health["checks"]["suggestions_consumer"]
    assert (consumer["state"], consumer["last_error"]) == ("running", None)
    assert await relay_process.metric("cms_association_timeout_monitor_leader") == 1.0


async def test_api_health_turns_degraded_when_the_relay_is_killed_and_a_pending_event_grows_old(
    clean_pg: AsyncEngine, relay_process: RelayProcess, postgres_url: str, services_env: dict[str, str]
) -> None:
    async def leads() -> bool:
        health = await relay_process.health()
        return health is not None and health["checks"]["leadership"] == "leading"

    await wait_until(leads, within_s=30, interval=0.2, what="the relay leading")
    relay_process.process.send_signal(signal.SIGKILL)
    await relay_process.process.wait()
    await insert_rows(clean_pg, [envelope_row("key-stale")])
    async with clean_pg.begin() as connection:
        await connection.execute(text("UPDATE event_outbox SET occurred_at = now() - interval '1 minute'"))
    settings = relay_settings(
        postgres_url, services_env, relay_enabled=False, outbox_stall_after_s=STALL_AFTER_S
    )

    async with create_app(settings).test_app() as app:
        response = await app.test_client().get("/healthz")

    assert response.status_code == 200
    body = await response.get_json()
    assert body["status"] == "degraded"
    assert body["detail"].startswith("outbox stalled")
    assert body["checks"]["outbox"]["pending"] == 1


async def test_relay_exits_with_a_clear_message_when_its_status_port_is_taken(
    postgres_url: str, services_env: dict[str, str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = _relay_env(postgres_url, services_env, port)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "class_management_service", "relay", env=env, stderr=asyncio.subprocess.PIPE
        )
        _, stderr = await asyncio.wait_for(process.communicate(), timeout=120)

    assert process.returncode == 1
    assert f"cannot serve /healthz and /metrics on 127.0.0.1:{port}" in stderr.decode()
    assert "Traceback" not in stderr.decode()
