"""Seed the reference courses; a new course is a new data migration like this one.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Fixed ids so every environment agrees; the API only ever speaks in course codes.
COURSES = (
    (UUID("3b0f2a4e-5c1d-4e0a-9d6e-000000000005"), "ENG5", "English 5", "en"),
    (UUID("3b0f2a4e-5c1d-4e0a-9d6e-000000000006"), "ENG6", "English 6", "en"),
    (UUID("3b0f2a4e-5c1d-4e0a-9d6e-000000000007"), "ENG7", "English 7", "en"),
    (UUID("3b0f2a4e-5c1d-4e0a-9d6e-000000000101"), "SV1", "Svenska 1", "sv"),
    (UUID("3b0f2a4e-5c1d-4e0a-9d6e-000000000102"), "SV2", "Svenska 2", "sv"),
    (UUID("3b0f2a4e-5c1d-4e0a-9d6e-000000000103"), "SV3", "Svenska 3", "sv"),
)

courses = sa.table(
    "courses",
    sa.column("id", sa.Uuid()),
    sa.column("course_code", sa.String()),
    sa.column("name", sa.String()),
    sa.column("language", sa.String()),
)


def upgrade() -> None:
    op.bulk_insert(
        courses,
        [
            {"id": course_id, "course_code": code, "name": name, "language": language}
            for course_id, code, name, language in COURSES
        ],
    )


def downgrade() -> None:
    codes = [code for _, code, _, _ in COURSES]
    op.execute(courses.delete().where(courses.c.course_code.in_(codes)))
