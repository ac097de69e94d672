"""The JSON access log, as production writes it: one line per request on standard output.

The app runs in a child process, so the line is read from its real standard output, written
through the production logging setup (structlog's configuration is process-wide and cached on
first use, which a shared test process could not undo).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from typing import Any

import pytest

_CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from class_management_service.app import create_app
    from class_management_service.config import Settings

    async def main() -> None:
        settings = Settings(
            use_mock_repository=True,
            database_url="sqlite+aiosqlite:///" + sys.argv[1],
            kafka_bootstrap_servers="",
            redis_url="",
            log_format="json",
            log_level="INFO",
        )
        app = create_app(settings)
        async with app.test_app() as test_app:
            client = test_app.test_client()
            created = await client.post(
                "/v1/classes/students",
                json={"person_name": {"first_name": "Zelda", "last_name": "Quist"},
                      "email": "zelda.quist@example.com"},
                headers={"X-User-ID": "teacher-log", "X-Correlation-ID": sys.argv[2]},
            )
            student_id = (await created.get_json())["id"]
            await client.get(f"/v1/classes/students/{student_id}", headers={"X-User-ID": "teacher-log"})

    asyncio.run(main())
    """
)
_CORRELATION_ID = "3f2c8a4e-9b1d-4c6e-8f0a-2d7b5e1c9a34"
_ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")


@pytest.fixture(scope="module")
def request_lines(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """The access-log lines of one child process that created a student and then read it."""
    database = tmp_path_factory.mktemp("access-log") / "log.db"
    child = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _CHILD, str(database), _CORRELATION_ID],
        capture_output=True,
        check=True,
        timeout=60,
    )
    lines = [json.loads(line) for line in child.stdout.decode().splitlines() if line.strip()]
    return [line for line in lines if line.get("event") == "request"]


def test_each_request_logs_one_json_line_with_route_template_status_duration_and_correlation_id(
    request_lines: list[dict[str, Any]],
) -> None:
    created, fetched = request_lines

    assert created["method"] == "POST"
    assert created["route"] == "/v1/classes/students"
    assert created["status"] == 201
    assert created["correlation_id"] == _CORRELATION_ID
    assert fetched["route"] == "/v1/classes/students/<student_id>"  # the template, never the id
    assert fetched["status"] == 200
    assert fetched["correlation_id"] != _CORRELATION_ID  # a fresh one when the caller sends none
    for line in (created, fetched):
        assert line["level"] == "info"
        assert isinstance(line["duration_ms"], float)
        assert line["duration_ms"] >= 0
        assert _ISO_UTC.match(line["timestamp"]), line["timestamp"]
        stamped = datetime.fromisoformat(line["timestamp"])
        assert abs((datetime.now(UTC) - stamped).total_seconds()) < 60


def test_access_log_never_contains_names_or_emails(request_lines: list[dict[str, Any]]) -> None:
    text = json.dumps(request_lines)

    for personal in ("Zelda", "Quist", "zelda.quist", "example.com"):
        assert personal not in text
