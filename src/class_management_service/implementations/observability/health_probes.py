"""Reachability probes for /healthz, one per dependency."""

from __future__ import annotations

from aiokafka.conn import collect_hosts
from aiokafka.protocol.metadata import MetadataRequest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service import private_apis
from class_management_service.protocols import HealthProbeProtocol

KAFKA_PROBE_TIMEOUT_MS = 1_500


class SqlAlchemyDatabaseProbe(HealthProbeProtocol):
    """The database answers ``SELECT 1`` on a pooled connection."""

    name = "database"

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def is_healthy(self) -> bool | None:
        async with self._engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return True


class AlwaysHealthyProbe(HealthProbeProtocol):
    """Stands in for the database in the in-memory mode (USE_MOCK_REPOSITORY)."""

    name = "database"

    async def is_healthy(self) -> bool | None:
        return True


class KafkaMetadataProbe(HealthProbeProtocol):
    """Some bootstrap broker answers a metadata request: the relay could publish right now.

    It opens its own short connection, so it answers the same in a worker whose relay is a
    standby, and stays quiet (aiokafka's client logs every refused connection as an error).
    """

    name = "kafka"

    def __init__(self, bootstrap_servers: str) -> None:
        self._bootstrap_servers = bootstrap_servers.strip()

    async def is_healthy(self) -> bool | None:
        if not self._bootstrap_servers:
            return None
        for host, port, _family in collect_hosts(self._bootstrap_servers):
            if await _answers_metadata(host, port):
                return True
        return False


async def _answers_metadata(host: str, port: int) -> bool:
    try:
        connection = await private_apis.aiokafka_connection(host, port, KAFKA_PROBE_TIMEOUT_MS)
    except Exception:  # noqa: BLE001 - refused, timed out, reset: this broker is not reachable
        return False
    try:
        await connection.send(MetadataRequest([]))
    except Exception:  # noqa: BLE001 - connected but no answer: not usable either
        return False
    finally:
        connection.close()
    return True


class RedisPingProbe(HealthProbeProtocol):
    """Redis answers PING on the client the notifier uses."""

    name = "redis"

    def __init__(self, client: Redis | None) -> None:
        self._client = client

    async def is_healthy(self) -> bool | None:
        if self._client is None:
            return None
        return bool(await self._client.ping())
