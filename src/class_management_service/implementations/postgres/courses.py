"""The courses reference table, cached in memory: creating a class needs its course before writing."""

from __future__ import annotations

import asyncpg

from class_management_service.domain.models import Course

# The whole reference table (a handful of rows, written only by migrations).
_COURSES = "SELECT course_code, name, language FROM courses"


class CourseCatalog:
    """Courses by code, so a class and its events are built before the one statement that stores them.

    A code missing from the cache reloads the table once, so a course added by a migration is seen
    without a restart; a write that finds its cached course changed asks again with ``is_stale``.
    """

    def __init__(self) -> None:
        self._by_code: dict[str, Course] = {}

    async def find(
        self, connection: asyncpg.Connection, code: str, *, is_stale: bool = False
    ) -> Course | None:
        """The course of ``code``, reading the table first when it is not cached or ``is_stale``."""
        course = None if is_stale else self._by_code.get(code)
        if course is None:
            await self._reload(connection)
            course = self._by_code.get(code)
        return course

    async def _reload(self, connection: asyncpg.Connection) -> None:
        rows = await connection.fetch(_COURSES)
        self._by_code = {code: Course(code, name, language) for code, name, language in rows}
