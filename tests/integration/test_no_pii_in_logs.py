"""No personal data in any log line: access, error and relay lines, standard output and error.

A child process runs the app with its in-process relay on the real PostgreSQL, Kafka and Redis,
logging JSON at DEBUG through the production setup. It creates, reads, searches, updates and
deletes a class and students with names and emails found nowhere else, sends bad requests that
carry them (invalid email, over-long name, duplicate keys, duplicate email), hits a route that
fails with them in the exception message, and waits until the relay has published every event.
Then not one line written by the process may contain any of them.
"""

from __future__ import annotations

import asyncio
import json
import sys
import textwrap
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.conftest import relay_settings

FIRST, LAST, LEGAL = "Quillonia", "Vexmarrow", "Quillonia Brisbyne Vexmarrow"
RENAMED_FIRST, RENAMED_LAST = "Ombrelith", "\u00c5ngstr\u00f6mqvist"  # non-ASCII: checked raw and escaped
EMAIL, NEW_EMAIL = "quillonia.vexmarrow@pii-canary.example", "ombrelith.z@pii-canary.example"
CLASS_NAME, NEW_CLASS_NAME = "Zaffrelune Reading Circle", "Zaffrelune Book Club"
PERSONAL = (FIRST, LAST, LEGAL, RENAMED_FIRST, RENAMED_LAST, EMAIL, NEW_EMAIL, CLASS_NAME, NEW_CLASS_NAME)
PERSONAL_FRAGMENTS = ("pii-canary", "zaffrelune", "quillonia", "vexmarrow", "ombrelith", "mqvist")

_CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine
    from class_management_service.app import create_app
    from class_management_service.config import Settings

    P = json.loads(sys.argv[2])
    HEADERS = {"X-User-ID": "teacher-pii-check"}
    STUDENTS = "/v1/classes/students"

    async def fails_with_personal_data():
        raise ValueError(f"Key (email)=({P['email']}) of {P['first']} {P['last']} already exists")

    async def main() -> None:
        settings = Settings.model_validate(json.loads(sys.argv[1]))
        app = create_app(settings)
        app.add_url_rule("/v1/fails", "fails", fails_with_personal_data)
        async with app.test_app() as test_app:
            client = test_app.test_client()

            async def send(method, path, status, **kwargs):
                kwargs["headers"] = {**HEADERS, **kwargs.get("headers", {})}
                response = await client.open(path, method=method, **kwargs)
                body = await response.get_data(as_text=True)
                assert response.status_code == status, (path, status, response.status_code, body)
                return json.loads(body)

            name = {"first_name": P["first"], "last_name": P["last"], "legal_full_name": P["legal"]}
            new_name = {"first_name": P["new_first"], "last_name": P["new_last"]}
            school_class = {"name": P["class"], "course_codes": ["ENG5"]}
            created = await send("POST", "/v1/classes/", 201, json=school_class)
            class_path = "/v1/classes/" + created["id"]
            student = {"person_name": name, "email": P["email"], "class_ids": [created["id"]]}
            student_path = "/v1/classes/students/" + (await send("POST", STUDENTS, 201, json=student))["id"]
            await send("GET", student_path, 200)
            await send("GET", class_path + "/roster", 200)
            await send("GET", STUDENTS, 200, query_string={"q": P["last"]})
            await send("POST", STUDENTS, 409, json={"person_name": name, "email": P["email"]})
            await send("POST", STUDENTS, 400, json={"person_name": name, "email": P["first"] + "@@x"})
            long_name = {"first_name": P["first"] * 40, "last_name": P["last"]}
            await send("POST", STUDENTS, 400, json={"person_name": long_name})
            duplicated = {"name": P["class"], "course_codes": ["ENG5"]}
            raw = json.dumps(duplicated)[:-1] + ', "name": ' + json.dumps(P["new_class"]) + "}"
            await send("POST", "/v1/classes/", 400, data=raw, headers={"Content-Type": "application/json"})
            await send("PUT", student_path, 200, json={"person_name": new_name, "email": P["new_email"]})
            await send("PUT", class_path, 200, json={"name": P["new_class"]})
            await send("GET", "/v1/fails", 500)
            await send("DELETE", student_path, 200)
            await send("DELETE", class_path, 200)
            engine = create_async_engine(settings.database_url)
            for _ in range(300):
                async with engine.connect() as connection:
                    pending = await connection.scalar(
                        text("SELECT count(*) FROM event_outbox WHERE published_at IS NULL"))
                if pending == 0:
                    break
                await asyncio.sleep(0.1)
            await engine.dispose()
            assert pending == 0, f"{pending} events not published"

    asyncio.run(main())
    """
)


async def _run_child(settings: dict[str, Any]) -> tuple[list[str], list[str]]:
    personal = {
        "first": FIRST,
        "last": LAST,
        "legal": LEGAL,
        "new_first": RENAMED_FIRST,
        "new_last": RENAMED_LAST,
        "email": EMAIL,
        "new_email": NEW_EMAIL,
        "class": CLASS_NAME,
        "new_class": NEW_CLASS_NAME,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _CHILD,
        json.dumps(settings),
        json.dumps(personal),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()[-3000:]
    return stdout.decode().splitlines(), stderr.decode().splitlines()


async def test_no_name_or_email_appears_in_any_log_line_when_writes_errors_and_relay_run(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str]
) -> None:
    settings = relay_settings(postgres_url, services_env, log_format="json", log_level="DEBUG")
    values = {
        **settings.model_dump(mode="json", include={"database_url", "kafka_bootstrap_servers", "redis_url"}),
        **settings.model_dump(mode="json", include={"relay_poll_interval_s", "relay_initial_backoff_s"}),
        "log_format": "json",
        "log_level": "DEBUG",
    }

    stdout, stderr = await _run_child(values)

    records = [json.loads(line) for line in stdout if line.strip()]
    events = [record["event"] for record in records]
    assert events.count("request") == 14  # every request above left its access line
    assert events.count("unhandled_error") == 1
    assert {"outbox_relay_leading", "kafka_publisher_started"} <= set(events)
    forbidden = {
        *(value.lower() for value in PERSONAL),
        *(json.dumps(value).strip('"').lower() for value in PERSONAL),
        *PERSONAL_FRAGMENTS,
    }
    for line in (*stdout, *stderr):
        found = [value for value in forbidden if value in line.lower()]
        assert not found, f"{found} in log line: {line[:500]}"
