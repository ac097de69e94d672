"""HTTP-level fixtures: the real app on the session's PostgreSQL, driven through ``test_app()``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from quart.typing import TestClientProtocol
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.app import create_app
from class_management_service.config import Settings
from tests.conftest import MUTABLE_TABLES, unique_user

INTERNAL_KEY = "internal-test-key"


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


@dataclass
class Api:
    """A test client plus the teacher it speaks as and the database it writes to."""

    client: TestClientProtocol
    engine: AsyncEngine
    user: str

    def headers(self, user: str | None = None) -> dict[str, str]:
        return {"X-User-ID": user or self.user}

    async def counts(self) -> dict[str, int]:
        """Row counts of every mutable table: the proof that a rejected request wrote nothing."""
        async with self.engine.connect() as connection:
            return {
                table: (await connection.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one()
                for table in MUTABLE_TABLES
            }

    async def create_class(self, name: str = "9A English", course: str = "ENG5", user: str | None = None) -> dict:
        response = await self.client.post(
            "/v1/classes/", json={"name": name, "course_codes": [course]}, headers=self.headers(user)
        )
        assert response.status_code == 201, await response.get_data(as_text=True)
        return await response.get_json()

    async def create_student(self, user: str | None = None, **body: object) -> dict:
        payload = {"person_name": {"first_name": "Ada", "last_name": "Lovelace"}, **body}
        response = await self.client.post("/v1/classes/students", json=payload, headers=self.headers(user))
        assert response.status_code == 201, await response.get_data(as_text=True)
        return await response.get_json()


@pytest.fixture
async def api(clean_pg: AsyncEngine, postgres_url: str) -> AsyncIterator[Api]:
    app = create_app(api_settings(postgres_url))
    async with app.test_app() as test_app:
        yield Api(client=test_app.test_client(), engine=clean_pg, user=unique_user())
