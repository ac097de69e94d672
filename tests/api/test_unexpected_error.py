"""The 500 path: a route that raises gives the bare envelope, and one log line says where it happened.

The app runs in a child process with the production JSON logging (structlog's configuration is
process-wide and cached on first use), with an extra route that raises an exception chain whose
messages quote personal data, as a database driver's error would.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from typing import Any

import pytest

from tests.api.conftest import assert_error

_CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from class_management_service.app import create_app
    from class_management_service.config import Settings

    def lookup_row():
        raise KeyError("Key (email)=(zelda.quist@example.com) already exists")

    async def forced_failure():
        try:
            lookup_row()
        except KeyError as error:
            raise RuntimeError("could not save Zelda Quist") from error

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
        app.add_url_rule("/v1/forced-failure", "forced_failure", forced_failure)
        async with app.test_app() as test_app:
            response = await test_app.test_client().get(
                "/v1/forced-failure", headers={"X-Correlation-ID": sys.argv[2]}
            )
            body = await response.get_data(as_text=True)
        print("RESPONSE " + json.dumps({"status": response.status_code, "body": body}), file=sys.stderr)

    asyncio.run(main())
    """
)
_CORRELATION_ID = "7d1e5b2a-4c3f-4e8d-9a6b-1f0c2e3d4a5b"
# Words that would only appear if the response or the log gave away internals or personal data.
_PERSONAL = ("zelda", "quist", "already exists", "could not save")
_INTERNAL = ("Traceback", "RuntimeError", "KeyError", "forced_failure", "lookup_row", 'File "', "repr")


@pytest.fixture(scope="module")
def child(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[str], str]:
    """The response the child got, its standard output lines and its standard error."""
    database = tmp_path_factory.mktemp("unexpected-error") / "app.db"
    completed = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _CHILD, str(database), _CORRELATION_ID],
        capture_output=True,
        check=True,
        timeout=60,
    )
    stderr = completed.stderr.decode()
    marker = next(line for line in stderr.splitlines() if line.startswith("RESPONSE "))
    response = json.loads(marker.removeprefix("RESPONSE "))
    stdout_lines = [line for line in completed.stdout.decode().splitlines() if line.strip()]
    return response, stdout_lines, stderr.replace(marker, "")


def test_forced_exception_is_500_internal_error_with_nothing_internal_in_the_body(
    child: tuple[dict[str, Any], list[str], str],
) -> None:
    response, _, _ = child

    assert response["status"] == 500
    error = assert_error(json.loads(response["body"]), "INTERNAL_ERROR", _CORRELATION_ID)
    assert error["details"] == {}
    for word in (*_PERSONAL, *_INTERNAL):
        assert word.lower() not in response["body"].lower(), word


def test_forced_exception_logs_one_line_with_correlation_id_and_traceback_without_messages(
    child: tuple[dict[str, Any], list[str], str],
) -> None:
    _, lines, stderr = child
    records = [json.loads(line) for line in lines]

    with_traceback = [record for record in records if "Traceback" in json.dumps(record)]
    assert len(with_traceback) == 1, lines
    (logged,) = with_traceback
    assert logged["event"] == "unhandled_error"
    assert logged["level"] == "error"
    assert logged["correlation_id"] == _CORRELATION_ID
    assert logged["error_type"] == "RuntimeError"
    trace = logged["exception"]
    assert trace.startswith("Traceback (most recent call last):")
    assert "in lookup_row" in trace
    assert "in forced_failure" in trace
    assert "KeyError\n\nThe above exception was the direct cause" in trace
    assert trace.endswith("RuntimeError")
    access = [record for record in records if record.get("event") == "request"]
    assert [(record["status"], record["correlation_id"]) for record in access] == [(500, _CORRELATION_ID)]
    for text in (*lines, stderr):
        for word in _PERSONAL:
            assert word not in text.lower(), (word, text)
