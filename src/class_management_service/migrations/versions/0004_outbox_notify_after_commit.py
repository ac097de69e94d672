"""Drop the outbox NOTIFY trigger: writers now ring the relay after their commit.

A NOTIFY inside the writing transaction makes PostgreSQL take one database-wide lock at commit
and hold it through the WAL flush, so concurrent writes committed one at a time. The
application's ``OutboxDoorbell`` sends a coalesced NOTIFY on the same channel after the commit
instead. The downgrade restores the trigger of 0003.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "event_outbox_notify"
TRIGGER = "event_outbox_notify_after_insert"
CHANNEL = "cms_outbox"  # implementations.postgres.outbox_doorbell.NOTIFY_CHANNEL


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    if _is_postgresql():
        op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON event_outbox")
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")


def downgrade() -> None:
    if not _is_postgresql():
        return
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
