"""Composition root: picks the storage backend from the database URL and lists the providers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dishka import Provider
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.backend_providers import MemoryProvider, PostgresProvider, SqliteProvider
from class_management_service.config import Settings
from class_management_service.implementations.postgres.engine import create_postgres_engine
from class_management_service.implementations.sqlite.engine import create_sqlite_engine
from class_management_service.infrastructure_providers import EventDeliveryProvider, InfrastructureProvider
from class_management_service.service_providers import ServiceProvider
from class_management_service.worker_providers import ConsumerProvider, RelayProvider


class UnsupportedDatabaseError(ValueError):
    """The database URL names a backend this service does not run on."""

    def __init__(self, database_url: str) -> None:
        scheme = database_url.partition("://")[0] or database_url
        super().__init__(
            f"Unsupported CLASS_MANAGEMENT_SERVICE_DATABASE_URL scheme {scheme!r}: use "
            f"{' or '.join(repr(s) for s in BACKEND_BY_SCHEME)} (or USE_MOCK_REPOSITORY for memory)"
        )


@dataclass(frozen=True, slots=True)
class Backend:
    provider: type[Provider]
    create_engine: Callable[[Settings], AsyncEngine]


BACKEND_BY_SCHEME = {
    "postgresql+asyncpg": Backend(PostgresProvider, create_postgres_engine),
    "sqlite+aiosqlite": Backend(SqliteProvider, create_sqlite_engine),
}


def _backend(settings: Settings) -> Backend:
    """The one place the storage backend is chosen: from the database URL's scheme."""
    backend = BACKEND_BY_SCHEME.get(settings.database_url.partition("://")[0])
    if backend is None:
        raise UnsupportedDatabaseError(settings.database_url)
    return backend


def create_engine(settings: Settings) -> AsyncEngine:
    """The database URL's engine, configured for its backend; opens no connection until first use."""
    return _backend(settings).create_engine(settings)


def backend_provider(settings: Settings) -> Provider:
    """The repositories: in memory when asked for, else the database URL's backend."""
    return MemoryProvider() if settings.use_mock_repository else _backend(settings).provider()


def providers_for(settings: Settings) -> list[Provider]:
    backend = backend_provider(settings)
    if isinstance(backend, MemoryProvider):  # no SQL outbox: no relay, consumer or timeout monitor
        return [InfrastructureProvider(), backend, EventDeliveryProvider(), ServiceProvider()]
    # The consumer's provider comes last: it decorates the relay's health service.
    return [
        InfrastructureProvider(),
        backend,
        EventDeliveryProvider(),
        RelayProvider(),
        ServiceProvider(),
        ConsumerProvider(),
    ]
