"""Wake the relay at commit: a statement trigger on event_outbox NOTIFYs channel cms_outbox.

PostgreSQL delivers a NOTIFY only when the inserting transaction commits, and the API pays no
extra round trip for it. The relay LISTENs on its dedicated connection and polls only as a
fallback. SQLite has no NOTIFY: there the relay polls, and this revision does nothing.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FUNCTION = "event_outbox_notify"
TRIGGER = "event_outbox_notify_after_insert"
CHANNEL = "cms_outbox"  # implementations.relay_leadership.NOTIFY_CHANNEL


def _is_postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
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
    if not _is_postgresql():
        return
    op.execute(f"DROP TRIGGER IF EXISTS {TRIGGER} ON event_outbox")
    op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
