"""Conditional writes on SQLite: ``If-Match`` checked inside the write's transaction."""

from __future__ import annotations

from uuid import UUID

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.domain.preconditions import IfMatch
from class_management_service.implementations.sql_common import utc


async def require_version(
    session: AsyncSession, table: Table, resource_id: UUID, owner: str, if_match: IfMatch | None
) -> None:
    """The write's BEGIN IMMEDIATE already holds the write lock, so the version read here is the one
    the write replaces; a missing row is left to the write itself (its 404 takes precedence)."""
    if if_match is None:
        return
    query = select(table.c.updated_at).where(table.c.id == resource_id, table.c.created_by_user_id == owner)
    current = (await session.execute(query)).scalar_one_or_none()
    if current is not None:
        if_match.require(resource_id, utc(current))
