"""Students carry the school information system's id, unique per teacher (roster import).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "uq_students_owner_external_id"
_ONLY_SET = sa.text("external_id IS NOT NULL")


def upgrade() -> None:
    # Nullable without a default: PostgreSQL adds the column without rewriting the table.
    op.add_column("students", sa.Column("external_id", sa.String(255), nullable=True))
    op.create_index(
        _INDEX,
        "students",
        ["created_by_user_id", "external_id"],
        unique=True,
        postgresql_where=_ONLY_SET,
        sqlite_where=_ONLY_SET,
    )


def downgrade() -> None:
    op.drop_index(_INDEX, table_name="students")
    with op.batch_alter_table("students") as batch:
        batch.drop_column("external_id")
