"""HTTP-level fixtures: the real app on the session's PostgreSQL, driven through ``test_app()``."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast
from uuid import UUID

import pytest
from quart.typing import TestClientProtocol
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.app import create_app
from class_management_service.config import Settings
from class_management_service.di import create_engine
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.protocols import AssociationRepositoryProtocol
from tests.conftest import MUTABLE_TABLES, unique_user

if TYPE_CHECKING:
    from class_management_service.app import HuleEduApp

INTERNAL_KEY = "internal-test-key"
Json = dict[str, Any]
Client = TestClientProtocol  # a name pytest does not try to collect in test modules


def api_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for API tests: no relay (Kafka tests live in tests/integration), quiet logs."""
    values: dict[str, object] = {
        "database_url": database_url,
        "kafka_bootstrap_servers": "",
        "redis_url": "",
        "log_level": "WARNING",
        "internal_api_key": INTERNAL_KEY,
        **overrides,
    }
    return Settings.model_validate(values)


@asynccontextmanager
async def serving_client(settings: Settings) -> AsyncIterator[Client]:
    """A test client of an app built from ``settings``, with its serving hooks run around it."""
    app = create_app(settings)
    async with app.test_app() as test_app:
        yield test_app.test_client()


def closed_port_url() -> str:
    """A PostgreSQL URL on a local port nobody listens on: the database is unreachable."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"postgresql+asyncpg://cms:cms@127.0.0.1:{port}/cms"


@dataclass(frozen=True)
class OutboxRow:
    """One ``event_outbox`` row with its payload decoded."""

    event_id: UUID
    topic: str
    aggregate_type: str
    aggregate_id: str
    user_id: str
    correlation_id: UUID
    envelope: Json


_HEX_UUID = re.compile(r"[0-9a-f]{32}")
_SQLITE_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?")


def _as_postgres_reads_it(value: object) -> object:
    """A raw SQLite column value as asyncpg returns it: UUIDs and aware UTC timestamps."""
    if isinstance(value, str) and _HEX_UUID.fullmatch(value):
        return UUID(value)
    if isinstance(value, str) and _SQLITE_TIMESTAMP.fullmatch(value):
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value


@dataclass
class Api:
    """A test client plus the teacher it speaks as and the database it writes to."""

    client: Client
    engine: AsyncEngine
    user: str
    is_sqlite: bool = False

    def headers(self, user: str | None = None, **extra: str) -> dict[str, str]:
        return {"X-User-ID": user or self.user, **extra}

    async def counts(self) -> dict[str, int]:
        """Row counts of every mutable table: the proof that a rejected request wrote nothing."""
        async with self.engine.connect() as connection:
            return {
                table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                for table in MUTABLE_TABLES
            }

    async def rows(self, sql: str, **params: object) -> list[Json]:
        """Runs a query on the database directly, bypassing the app."""
        if self.is_sqlite:  # SQLite stores a UUID as its 32 hex digits
            params = {name: value.hex if isinstance(value, UUID) else value for name, value in params.items()}
        async with self.engine.connect() as connection:
            result = await connection.execute(text(sql), params)
            rows = [dict(row) for row in result.mappings()]
        if self.is_sqlite:
            return [{name: _as_postgres_reads_it(value) for name, value in row.items()} for row in rows]
        return rows

    async def outbox(self) -> list[OutboxRow]:
        """Every outbox row, in insertion (publish) order."""
        found = await self.rows(
            "SELECT event_id, topic, aggregate_type, aggregate_id, user_id, correlation_id, payload"
            " FROM event_outbox ORDER BY id"
        )
        return [
            OutboxRow(
                event_id=UUID(str(row["event_id"])),
                topic=row["topic"],
                aggregate_type=row["aggregate_type"],
                aggregate_id=str(row["aggregate_id"]),
                user_id=row["user_id"],
                correlation_id=UUID(str(row["correlation_id"])),
                envelope=json.loads(row["payload"]),
            )
            for row in found
        ]

    async def create_class(
        self, name: str = "9A English", course: str = "ENG5", user: str | None = None
    ) -> Json:
        response = await self.client.post(
            "/v1/classes/", json={"name": name, "course_codes": [course]}, headers=self.headers(user)
        )
        assert response.status_code == 201, await response.get_data(as_text=True)
        body: Json = await response.get_json()
        return body

    async def create_student(self, user: str | None = None, **body: object) -> Json:
        payload = {"person_name": {"first_name": "Ada", "last_name": "Lovelace"}, **body}
        response = await self.client.post("/v1/classes/students", json=payload, headers=self.headers(user))
        assert response.status_code == 201, await response.get_data(as_text=True)
        created: Json = await response.get_json()
        return created

    async def get_json(self, path: str, user: str | None = None) -> Json:
        """GET that must succeed; its body."""
        response = await self.client.get(path, headers=self.headers(user))
        assert response.status_code == 200, await response.get_data(as_text=True)
        body: Json = await response.get_json()
        return body

    async def associations(self) -> AssociationRepositoryProtocol:
        """The app's own association repository (how NLP's suggestions get in, without Kafka)."""
        app = cast("HuleEduApp", self.client.app)
        repository: AssociationRepositoryProtocol = await app.container.get(AssociationRepositoryProtocol)
        return repository


class MemoryApi(Api):
    """USE_MOCK_REPOSITORY: the outbox is the in-memory store's list; there are no tables to query."""

    async def outbox(self) -> list[OutboxRow]:
        app = cast("HuleEduApp", self.client.app)
        store = await app.container.get(InMemoryStore)
        return [
            OutboxRow(
                event_id=event.event_id,
                topic=event.topic,
                aggregate_type=event.aggregate_type,
                aggregate_id=str(event.aggregate_id),
                user_id=event.user_id,
                correlation_id=event.correlation_id,
                envelope=json.loads(event.envelope_json),
            )
            for event in store.outbox
        ]

    async def counts(self) -> dict[str, int]:
        return {"event_outbox": len(await self.outbox())}


def parse_timestamp(value: object) -> datetime:
    """An ISO-8601 timestamp that carries its UTC offset (naive ones are a contract break)."""
    assert isinstance(value, str)
    moment = datetime.fromisoformat(value)
    assert moment.tzinfo is not None, f"{value!r} has no UTC offset"
    assert moment.utcoffset() is not None
    return moment


NOTIFICATION_TOPIC = "huleedu.notification.teacher.requested.v1"


async def new_events(api: Api, before: int, *topics: str) -> list[OutboxRow]:
    """The outbox rows written since there were ``before`` rows, which must have ``topics`` in order."""
    new = (await api.outbox())[before:]
    assert [row.topic for row in new] == list(topics)
    return new


async def single_new_event(api: Api, before: int) -> OutboxRow:
    """The one outbox row written since there were ``before`` rows; fails on none or several."""
    rows = await api.outbox()
    new = rows[before:]
    assert len(new) == 1, [row.topic for row in new]
    return new[0]


def assert_envelope(row: OutboxRow, topic: str, correlation_id: str | None = None) -> Json:
    """Checks the envelope against its row (DESIGN §5) and returns its ``data``."""
    envelope = row.envelope
    assert row.topic == topic
    assert UUID(envelope["event_id"]) == row.event_id
    assert envelope["event_type"] == topic
    assert envelope["source_service"] == "class_management_service"
    assert envelope["schema_version"] == 1
    assert UUID(envelope["correlation_id"]) == row.correlation_id
    if correlation_id is not None:
        assert envelope["correlation_id"] == correlation_id
    parse_timestamp(envelope["event_timestamp"])
    data: Json = envelope["data"]
    assert data["correlation_id"] == envelope["correlation_id"]
    return data


ERROR_KEYS = {"code", "message", "correlation_id", "service", "timestamp", "details"}


def assert_error(body: object, code: str, correlation_id: str | None = None) -> Json:
    """Checks the one error envelope of DESIGN §3.4 and returns its ``error`` object."""
    assert isinstance(body, dict)
    assert set(body) == {"error"}, body
    error: Json = body["error"]
    assert set(error) == ERROR_KEYS, error
    assert error["code"] == code, error
    assert isinstance(error["message"], str)
    assert error["message"]
    assert error["service"] == "class_management_service"
    UUID(error["correlation_id"])
    if correlation_id is not None:
        assert error["correlation_id"] == correlation_id
    parse_timestamp(error["timestamp"])
    assert isinstance(error["details"], dict)
    return error


SMOKE_ON_BOTH_BACKENDS = pytest.mark.parametrize("backend", ["postgres", "sqlite"])
"""For a module's ``pytestmark``: its tests run on PostgreSQL and on the embedded SQLite default."""


@pytest.fixture
def backend() -> str:
    """The database the app under test runs on; PostgreSQL unless a module asks for both."""
    return "postgres"


@pytest.fixture
def api_database(request: pytest.FixtureRequest, backend: str) -> tuple[str, AsyncEngine | None]:
    """The URL the app gets, and on PostgreSQL the emptied session database's engine.

    Synchronous on purpose: async fixtures can only be looked up by name outside an event loop.
    """
    if backend == "postgres":
        return request.getfixturevalue("postgres_url"), request.getfixturevalue("clean_pg")
    if backend == "memory":
        return closed_port_url(), None  # USE_MOCK_REPOSITORY must never touch it
    return request.getfixturevalue("sqlite_url"), None


@pytest.fixture
async def api(api_database: tuple[str, AsyncEngine | None], backend: str) -> AsyncIterator[Api]:
    url, engine = api_database
    if backend == "memory":
        async with serving_client(api_settings(url, use_mock_repository=True)) as client:
            app = cast("HuleEduApp", client.app)
            yield MemoryApi(client=client, engine=app.database_engine, user=unique_user())
        return
    if engine is not None:
        async with serving_client(api_settings(url)) as client:
            yield Api(client=client, engine=engine, user=unique_user())
        return
    engine = create_engine(Settings(database_url=url))
    try:
        async with serving_client(api_settings(url)) as client:
            yield Api(client=client, engine=engine, user=unique_user(), is_sqlite=True)
    finally:
        await engine.dispose()
