"""Essay→student matching: batches, essays with every candidate, the inbox and dead letters.

``essay_student_associations`` from 0001 is replaced: nothing ever wrote it (it had no writer
before this revision), and its shape could keep only one suggestion per essay, needed a student
for a rejected essay and took other services' ids for UUIDs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ESSAYS = "essay_student_associations"
OPEN_BATCH = sa.text("completed_at IS NULL")
PENDING_ESSAY = sa.text("validation_status = 'pending_validation'")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(column: str, table: str, target: str, source: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.{target}"], name=op.f(f"fk_{source}_{column}_{table}"), ondelete=ondelete
    )


def upgrade() -> None:
    op.drop_table(ESSAYS)
    _set_outbox_key_length(255)  # batch events are keyed by another service's batch id (<= 255)
    _create_batches()
    _create_essays()
    _create_suggestions()
    op.create_table(
        "inbox_events",
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        _timestamp("consumed_at"),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_inbox_events")),
    )
    op.create_table(
        "dead_letter_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False),
            nullable=False,
        ),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("message_key", sa.LargeBinary(), nullable=True),
        sa.Column("message_value", sa.LargeBinary(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        _timestamp("received_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letter_events")),
        sqlite_autoincrement=True,
    )


def _create_batches() -> None:
    table = "association_batches"
    op.create_table(
        table,
        sa.Column("batch_id", sa.String(255), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("course_code", sa.String(32), nullable=False),
        sa.Column("correlation_id", sa.Uuid(), nullable=False),
        _timestamp("received_at"),
        _timestamp("deadline_at"),
        _timestamp("completed_at", nullable=True),
        sa.Column("timeout_triggered", sa.Boolean(), server_default=sa.false(), nullable=False),
        _fk("class_id", "classes", "id", table, "CASCADE"),
        sa.PrimaryKeyConstraint("batch_id", name=op.f(f"pk_{table}")),
    )
    op.create_index(f"ix_{table}_class_id", table, ["class_id"])
    op.create_index(
        f"ix_{table}_open_deadline",
        table,
        ["deadline_at"],
        postgresql_where=OPEN_BATCH,
        sqlite_where=OPEN_BATCH,
    )


def _create_essays() -> None:
    op.create_table(
        ESSAYS,
        sa.Column("essay_id", sa.String(255), nullable=False),
        sa.Column("batch_id", sa.String(255), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_storage_id", sa.String(255), nullable=True),
        sa.Column("filename", sa.String(1024), nullable=True),
        sa.Column("no_match_reason", sa.Text(), nullable=True),
        sa.Column("student_id", sa.Uuid(), nullable=True),
        sa.Column("confidence_score", sa.Float(), nullable=True),
        sa.Column("validation_status", sa.String(32), server_default="pending_validation", nullable=False),
        sa.Column("validation_method", sa.String(16), nullable=True),
        sa.Column("validated_by", sa.String(255), nullable=True),
        _timestamp("validated_at", nullable=True),
        _timestamp("created_at"),
        _fk("batch_id", "association_batches", "batch_id", ESSAYS, "CASCADE"),
        _fk("class_id", "classes", "id", ESSAYS, "CASCADE"),
        _fk("student_id", "students", "id", ESSAYS, "SET NULL"),
        sa.PrimaryKeyConstraint("essay_id", name=op.f(f"pk_{ESSAYS}")),
    )
    op.create_index(f"ix_{ESSAYS}_batch_position", ESSAYS, ["batch_id", "position"])
    op.create_index(
        f"ix_{ESSAYS}_class_pending",
        ESSAYS,
        ["class_id"],
        postgresql_where=PENDING_ESSAY,
        sqlite_where=PENDING_ESSAY,
    )
    op.create_index(f"ix_{ESSAYS}_student_id", ESSAYS, ["student_id"])


def _create_suggestions() -> None:
    table = "essay_match_suggestions"
    op.create_table(
        table,
        sa.Column("essay_id", sa.String(255), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("student_name", sa.String(512), nullable=False),
        sa.Column("student_email", sa.String(255), nullable=True),
        sa.Column("confidence_score", sa.Float(), nullable=False),
        sa.Column("match_reasons", sa.JSON(), nullable=False),
        _fk("essay_id", ESSAYS, "essay_id", table, "CASCADE"),
        _fk("student_id", "students", "id", table, "CASCADE"),
        sa.PrimaryKeyConstraint("essay_id", "rank", name=op.f(f"pk_{table}")),
    )
    op.create_index(f"ix_{table}_student_id", table, ["student_id"])


def _set_outbox_key_length(length: int) -> None:
    # SQLite ignores VARCHAR lengths, and altering a column there means copying the table.
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("event_outbox", "aggregate_id", type_=sa.String(length), existing_nullable=False)


def downgrade() -> None:
    _set_outbox_key_length(64)
    for table in (
        "dead_letter_events",
        "inbox_events",
        "essay_match_suggestions",
        ESSAYS,
        "association_batches",
    ):
        op.drop_table(table)
    _recreate_0001_essays()


def _recreate_0001_essays() -> None:
    op.create_table(
        ESSAYS,
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("essay_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("batch_id", sa.Uuid(), nullable=False),
        sa.Column("confidence_score", sa.Float(), nullable=True),
        sa.Column("match_reasons", sa.JSON(), nullable=True),
        sa.Column("validation_status", sa.String(50), server_default="pending_validation", nullable=False),
        sa.Column("validated_by", sa.String(255), nullable=True),
        _timestamp("validated_at", nullable=True),
        sa.Column("validation_method", sa.String(50), nullable=True),
        sa.Column("created_by_user_id", sa.String(255), nullable=False),
        _timestamp("created_at"),
        _fk("class_id", "classes", "id", ESSAYS, "CASCADE"),
        _fk("student_id", "students", "id", ESSAYS, "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{ESSAYS}")),
        sa.UniqueConstraint("essay_id", name=op.f(f"uq_{ESSAYS}_essay_id")),
    )
    op.create_index(f"ix_{ESSAYS}_batch_status", ESSAYS, ["batch_id", "validation_status"])
    op.create_index(f"ix_{ESSAYS}_class_status", ESSAYS, ["class_id", "validation_status"])
    op.create_index(f"ix_{ESSAYS}_student_id", ESSAYS, ["student_id"])
