"""The request transport (``api/asgi_connection.py``) driven with raw ASGI messages, as a server does.

Quart's test client always splits a body into two messages; these tests also cover the
single-message body a real server sends, a body in many chunks, bodies that are too large,
late or abandoned, and what a client that leaves early gets.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.app import HuleEduApp, create_app
from tests.api.conftest import Json, api_settings, assert_error
from tests.conftest import unique_user

Message = dict[str, Any]
MAX_BODY = 4096
IMPORT_MAX_BODY = 3 * MAX_BODY
IMPORT = "/v1/classes/students/import"


@dataclass
class Exchange:
    """What the app sent back for one request, and how many messages it asked the client for."""

    sent: list[Message] = field(default_factory=list)
    receive_calls: int = 0

    @property
    def status(self) -> int:
        return int(self.sent[0]["status"])

    @property
    def headers(self) -> dict[str, str]:
        return {name.decode().lower(): value.decode() for name, value in self.sent[0]["headers"]}

    def body(self) -> Json:
        payload = b"".join(message.get("body", b"") for message in self.sent[1:])
        parsed: Json = json.loads(payload)
        return parsed


@pytest.fixture
async def app(clean_pg: AsyncEngine, postgres_url: str) -> AsyncIterator[HuleEduApp]:
    served = create_app(api_settings(postgres_url, max_body_bytes=MAX_BODY, import_max_bytes=IMPORT_MAX_BODY))
    async with served.test_app():
        yield served


def _scope(
    method: str, path: str, user: str, *, has_body: bool, content_length: int | None = None
) -> Message:
    headers = [(b"host", b"testserver"), (b"x-user-id", user.encode())]
    if has_body:
        headers.append((b"content-type", b"application/json"))
    if content_length is not None:
        headers.append((b"content-length", str(content_length).encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }


def _body_messages(chunks: Sequence[bytes]) -> list[Message]:
    last = len(chunks) - 1
    return [
        {"type": "http.request", "body": chunk, "more_body": index < last}
        for index, chunk in enumerate(chunks)
    ]


async def _exchange(
    app: HuleEduApp,
    method: str,
    path: str,
    user: str,
    messages: Sequence[Message],
    *,
    after_messages: Callable[[], Awaitable[Message]] | None = None,
    content_length: int | None = None,
) -> Exchange:
    """Runs one request; once ``messages`` are used up, ``after_messages`` answers (default: disconnect)."""
    exchange = Exchange()
    pending = list(messages)

    async def receive() -> Message:
        exchange.receive_calls += 1
        if pending:
            return pending.pop(0)
        if after_messages is not None:
            return await after_messages()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        exchange.sent.append(message)

    has_body = any(message.get("body") for message in messages)
    scope = _scope(method, path, user, has_body=has_body, content_length=content_length)
    await app(scope, receive, send)  # type: ignore[arg-type]
    return exchange


async def _class_count(engine: AsyncEngine, user: str) -> int:
    async with engine.connect() as connection:
        result = await connection.execute(
            text("SELECT count(*) FROM classes WHERE created_by_user_id = :user"), {"user": user}
        )
        return int(result.scalar_one())


def _class_body(name: str = "7B English") -> bytes:
    return json.dumps({"name": name, "course_codes": ["ENG5"]}).encode()


async def test_response_is_sent_as_one_start_and_one_body_message(app: HuleEduApp) -> None:
    exchange = await _exchange(app, "GET", "/healthz", unique_user(), _body_messages([b""]))

    assert [message["type"] for message in exchange.sent] == ["http.response.start", "http.response.body"]
    assert exchange.sent[1]["more_body"] is False
    assert exchange.headers["content-length"] == str(len(exchange.sent[1]["body"]))
    assert "x-correlation-id" in exchange.headers
    assert exchange.receive_calls == 1


async def test_body_in_one_message_creates_the_class(app: HuleEduApp, clean_pg: AsyncEngine) -> None:
    user = unique_user()
    exchange = await _exchange(app, "POST", "/v1/classes/", user, _body_messages([_class_body()]))

    assert exchange.status == 201, exchange.body()
    assert exchange.body()["name"] == "7B English"
    assert await _class_count(clean_pg, user) == 1


async def test_body_of_its_declared_length_is_complete_without_the_servers_last_message(
    app: HuleEduApp, clean_pg: AsyncEngine
) -> None:
    # granian sends the body with more_body set, then an empty last message. Once the
    # Content-Length bytes are in, the handler runs without asking for that message.
    user = unique_user()
    body = _class_body("Declared class")
    as_granian_sends_it = _body_messages([body, b""])

    exchange = await _exchange(
        app, "POST", "/v1/classes/", user, as_granian_sends_it, content_length=len(body)
    )

    assert exchange.status == 201, exchange.body()
    assert exchange.body()["name"] == "Declared class"
    assert exchange.receive_calls == 1
    assert await _class_count(clean_pg, user) == 1


async def test_body_is_read_until_its_declared_length_is_in(app: HuleEduApp, clean_pg: AsyncEngine) -> None:
    user = unique_user()
    body = _class_body("Split class")
    chunks = [body[:10], body[10:], b""]

    exchange = await _exchange(
        app, "POST", "/v1/classes/", user, _body_messages(chunks), content_length=len(body)
    )

    assert exchange.status == 201, exchange.body()
    assert exchange.body()["name"] == "Split class"
    assert exchange.receive_calls == 2  # the declared length was in after the second
    assert await _class_count(clean_pg, user) == 1


async def test_body_in_many_chunks_is_reassembled_before_the_handler_runs(
    app: HuleEduApp, clean_pg: AsyncEngine
) -> None:
    user = unique_user()
    body = _class_body("Chunked class")
    chunks = [body[index : index + 3] for index in range(0, len(body), 3)] + [b""]

    exchange = await _exchange(app, "POST", "/v1/classes/", user, _body_messages(chunks))

    assert exchange.status == 201, exchange.body()
    assert exchange.body()["name"] == "Chunked class"
    assert exchange.receive_calls == len(chunks)
    assert await _class_count(clean_pg, user) == 1


async def test_streamed_body_past_the_limit_is_a_413_and_reading_stops(
    app: HuleEduApp, clean_pg: AsyncEngine
) -> None:
    user = unique_user()
    chunks = [b"x" * 1024] * 50  # 50 KiB against a 4 KiB limit, never declared in Content-Length

    exchange = await _exchange(app, "POST", "/v1/classes/", user, _body_messages(chunks))

    assert exchange.status == 413
    assert_error(exchange.body(), "PAYLOAD_TOO_LARGE")
    assert exchange.receive_calls == MAX_BODY // 1024 + 1  # stopped just past the limit
    assert await _class_count(clean_pg, user) == 0


def _import_body(size: int) -> bytes:
    """A JSON roster of about ``size`` bytes."""
    student = b'{"first_name": "Ada", "last_name": "Lovelace"}'
    count = size // (len(student) + 1)
    return b'{"students": [' + b",".join([student] * count) + b"]}"


async def test_the_import_reads_a_body_beyond_the_other_routes_limit_up_to_its_own(app: HuleEduApp) -> None:
    body = _import_body(2 * MAX_BODY)
    chunks = [body[start : start + 1024] for start in range(0, len(body), 1024)]

    exchange = await _exchange(app, "POST", f"{IMPORT}/", unique_user(), _body_messages(chunks))

    assert exchange.status == 200, exchange.body()
    assert exchange.body()["counts"]["created"] == body.count(b"first_name")


async def test_an_import_declaring_a_length_beyond_its_limit_is_a_413_before_its_body_is_read(
    app: HuleEduApp,
) -> None:
    body = _import_body(IMPORT_MAX_BODY + 1024)

    exchange = await _exchange(
        app, "POST", IMPORT, unique_user(), _body_messages([body]), content_length=len(body)
    )

    assert exchange.status == 413
    error = assert_error(exchange.body(), "PAYLOAD_TOO_LARGE")
    assert error["details"] == {"limit": "IMPORT_MAX_BYTES", "maximum": IMPORT_MAX_BODY}
    assert exchange.receive_calls == 0


async def test_body_that_stops_arriving_is_a_408_after_body_timeout(
    app: HuleEduApp, clean_pg: AsyncEngine
) -> None:
    app.config["BODY_TIMEOUT"] = 0.2
    user = unique_user()
    never = asyncio.Event()

    async def stalled() -> Message:
        await never.wait()
        raise AssertionError("unreachable")

    first_half = {"type": "http.request", "body": _class_body()[:10], "more_body": True}
    exchange = await asyncio.wait_for(
        _exchange(app, "POST", "/v1/classes/", user, [first_half], after_messages=stalled), timeout=5
    )

    assert exchange.status == 408
    assert_error(exchange.body(), "REQUEST_TIMEOUT")
    assert await _class_count(clean_pg, user) == 0


async def test_client_leaving_before_its_body_is_complete_gets_nothing_and_changes_nothing(
    app: HuleEduApp, clean_pg: AsyncEngine
) -> None:
    user = unique_user()
    first_half = {"type": "http.request", "body": _class_body()[:10], "more_body": True}

    exchange = await _exchange(app, "POST", "/v1/classes/", user, [first_half])  # then: disconnect

    assert exchange.sent == []
    assert await _class_count(clean_pg, user) == 0


async def test_write_is_carried_out_when_the_client_leaves_after_sending_it(
    app: HuleEduApp, clean_pg: AsyncEngine
) -> None:
    # The client hangs up while the handler awaits the database. The write must neither be
    # cancelled halfway nor lost: it commits, and the answer is sent (to nobody).
    user = unique_user()

    async def hang_up_soon() -> Message:
        await asyncio.sleep(0.002)
        return {"type": "http.disconnect"}

    exchange = await _exchange(
        app, "POST", "/v1/classes/", user, _body_messages([_class_body()]), after_messages=hang_up_soon
    )

    assert exchange.status == 201
    assert await _class_count(clean_pg, user) == 1
