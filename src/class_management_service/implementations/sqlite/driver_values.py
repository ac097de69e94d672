"""Python values as SQLAlchemy's SQLite column types store them, for driver-level bulk statements.

A bulk statement with plain tuples skips SQLAlchemy's per-row parameter processing; these
conversions keep its rows identical to the ones written through SQLAlchemy's types.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any
from uuid import UUID

from sqlalchemy import DateTime, Uuid
from sqlalchemy.dialects import sqlite

from class_management_service.implementations.sql_common import utc

_dialect = sqlite.dialect()
_bind_uuid = Uuid().dialect_impl(_dialect).bind_processor(_dialect)
_bind_timestamp = DateTime(timezone=True).dialect_impl(_dialect).bind_processor(_dialect)


def uuid_value(value: UUID) -> Any:
    return _bind_uuid(value) if _bind_uuid is not None else value


# The rows of one bulk write share a handful of times and classes: each is converted once.
@lru_cache(maxsize=256)
def timestamp_value(value: datetime) -> Any:
    at = utc(value)
    return _bind_timestamp(at) if _bind_timestamp is not None else at


@lru_cache(maxsize=256)
def read_uuid(value: str) -> UUID:
    return UUID(hex=value)


@lru_cache(maxsize=256)
def read_timestamp(value: str) -> datetime:
    return utc(datetime.fromisoformat(value))  # SQLAlchemy's SQLite format is ISO 8601 with a space
