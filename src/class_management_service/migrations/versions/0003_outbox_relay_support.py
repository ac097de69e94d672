"""Relay support: a NOTIFY at commit to wake the relay, and an index for rows in backoff.

The trigger: PostgreSQL delivers a NOTIFY only when the inserting transaction commits, and the
API pays no extra round trip for it. The relay LISTENs on its dedicated connection and polls
only as a fallback. SQLite has no NOTIFY: there the relay polls, and no trigger is created.

The index: every claim skips the keys that have a row waiting out a backoff. Indexing only such
rows keeps that lookup tiny however many published rows are retained.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "event_outbox_notify"
TRIGGER = "event_outbox_notify_after_insert"
CHANNEL = "cms_outbox"  # implementations.postgres.outbox_doorbell.NOTIFY_CHANNEL
RETRYING = sa.text("published_at IS NULL AND next_attempt_at IS NOT NULL")


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_index(
        "ix_event_outbox_retrying",
        "event_outbox",
        ["aggregate_id"],
        postgresql_where=RETRYING,
        sqlite_where=RETRYING,
    )
    if not _is_postgresql():
        return
    # An empty payload: identical notifications of one transaction fold into one, and the
    # relay only needs to know that something committed, not what.
    op.execute(
        f"""
        CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM pg_notify('{CHANNEL}', '');
            RETURN NULL;
        END
        $$
        """
    )
    op.execute(
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON event_outbox "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
    )


def downgrade() -> None:
    if _is_postgresql():
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON event_outbox")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
    op.drop_index("ix_event_outbox_retrying", table_name="event_outbox")
