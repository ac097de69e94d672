"""The translation of "database unreachable" errors, shared by both SQL backends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from sqlalchemy import exc

from class_management_service.domain.errors import RepositoryUnavailableError

_UNREACHABLE = (
    OSError,  # includes ConnectionRefusedError and the builtin TimeoutError
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    # The driver lost track of the protocol: the server dropped the connection (a FATAL error
    # arrived) and the socket's end was not read yet when the next statement was sent.
    asyncpg.InternalClientError,
    exc.TimeoutError,  # pool exhausted for pool_timeout seconds
)
# SQLSTATE classes meaning "not now": connection exception, insufficient resources, shutdown.
_UNAVAILABLE_SQLSTATES = ("08", "53", "57P")


@asynccontextmanager
async def translate_database_errors() -> AsyncIterator[None]:
    """Turn "the database cannot be reached" into RepositoryUnavailableError; others pass."""
    try:
        yield
    except Exception as error:
        if is_unavailable(error):
            raise RepositoryUnavailableError() from error
        raise


def is_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` means "not now": raised through SQLAlchemy or by the driver directly."""
    if isinstance(error, exc.DBAPIError):
        return (
            error.connection_invalidated
            or isinstance(error, exc.OperationalError | exc.InterfaceError)
            or is_unavailable(error.orig)
        )
    if isinstance(error, _UNREACHABLE):
        return True
    sqlstate = getattr(error, "sqlstate", None) or getattr(error, "pgcode", None)
    return isinstance(sqlstate, str) and sqlstate.startswith(_UNAVAILABLE_SQLSTATES)
