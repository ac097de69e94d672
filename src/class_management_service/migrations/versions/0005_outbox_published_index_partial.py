"""Index only published outbox rows by publish time: a write no longer pays for that index.

``ix_event_outbox_published_at`` serves one query, the purge of rows published before a
cutoff, which never reads a pending row. As a full index, every outbox insert (one per API
write, with ``published_at`` NULL) added an entry to it; as a partial index on published rows,
only the relay's mark-as-published does, as it did already.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_event_outbox_published_at"
PUBLISHED = sa.text("published_at IS NOT NULL")


def upgrade() -> None:
    op.drop_index(INDEX, table_name="event_outbox")
    op.create_index(
        INDEX, "event_outbox", ["published_at"], postgresql_where=PUBLISHED, sqlite_where=PUBLISHED
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="event_outbox")
    op.create_index(INDEX, "event_outbox", ["published_at"])
