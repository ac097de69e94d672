"""The storage backend is chosen once, from the settings; the error status follows the class hierarchy."""

from __future__ import annotations

import pytest

from class_management_service.api.error_handlers import status_of
from class_management_service.api.errors import AuthenticationError
from class_management_service.backend_providers import MemoryProvider, PostgresProvider, SqliteProvider
from class_management_service.config import Settings
from class_management_service.di import UnsupportedDatabaseError, backend_provider
from class_management_service.domain.errors import ClassManagementError, ClassNotFoundError


@pytest.mark.parametrize(
    ("database_url", "use_mock", "expected"),
    [
        ("postgresql+asyncpg://cms:cms@127.0.0.1/cms", False, PostgresProvider),
        ("sqlite+aiosqlite:///./var/x.db", False, SqliteProvider),
        ("postgresql+psycopg://cms:cms@127.0.0.1/cms", True, MemoryProvider),
    ],
)
def test_the_backend_follows_the_url_scheme_unless_memory_is_asked_for(
    database_url: str, use_mock: bool, expected: type
) -> None:
    settings = Settings(database_url=database_url, use_mock_repository=use_mock)
    assert type(backend_provider(settings)) is expected


@pytest.mark.parametrize(
    "database_url", ["postgresql+psycopg://cms@127.0.0.1/cms", "postgresql://cms@127.0.0.1/cms", "mysql://x"]
)
def test_an_unsupported_database_url_is_refused_at_start_up_naming_what_is_supported(
    database_url: str,
) -> None:
    with pytest.raises(UnsupportedDatabaseError, match=r"postgresql\+asyncpg.*sqlite\+aiosqlite"):
        backend_provider(Settings(database_url=database_url))


class _ForeignClassError(ClassNotFoundError):
    """A subclass no table row names."""


def test_an_error_takes_the_status_of_its_nearest_listed_ancestor() -> None:
    assert status_of(_ForeignClassError([])) == 404
    assert status_of(AuthenticationError("who?")) == 401
    assert status_of(ClassManagementError("unlisted")) == 400
