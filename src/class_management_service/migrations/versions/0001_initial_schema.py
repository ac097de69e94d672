"""Initial schema: courses, classes, students, memberships, essay associations, event outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("published_at IS NULL")


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[Any]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _owner() -> sa.Column[Any]:
    return sa.Column("created_by_user_id", sa.String(255), nullable=False)


def upgrade() -> None:
    op.create_table(
        "courses",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("course_code", sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("course_code", name=op.f("uq_courses_course_code")),
    )
    op.create_table(
        "classes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("course_id", sa.Uuid(), nullable=False),
        _owner(),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.ForeignKeyConstraint(["course_id"], ["courses.id"], name=op.f("fk_classes_course_id_courses")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_classes")),
    )
    op.create_index("ix_classes_owner_created", "classes", ["created_by_user_id", "created_at", "id"])
    op.create_table(
        "students",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(255), nullable=False),
        sa.Column("last_name", sa.String(255), nullable=False),
        sa.Column("legal_full_name", sa.String(512), nullable=False),
        sa.Column("email", sa.String(255), nullable=True),
        _owner(),
        _timestamp("created_at"),
        _timestamp("updated_at"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_students")),
    )
    op.create_index("ix_students_owner_created", "students", ["created_by_user_id", "created_at", "id"])
    op.create_index(
        "uq_students_owner_email_lower",
        "students",
        ["created_by_user_id", sa.literal_column("lower(email)")],
        unique=True,
    )
    op.create_table(
        "class_student_association",
        sa.Column("class_id", sa.Uuid(), nullable=False),
        sa.Column("student_id", sa.Uuid(), nullable=False),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_class_student_association_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_class_student_association_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("class_id", "student_id", name=op.f("pk_class_student_association")),
    )
    op.create_index("ix_class_student_association_student_id", "class_student_association", ["student_id"])
    _create_essay_student_associations()
    _create_event_outbox()


def _create_essay_student_associations() -> None:
    op.create_table(
        "essay_student_associations",
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
        _owner(),
        _timestamp("created_at"),
        sa.ForeignKeyConstraint(
            ["class_id"],
            ["classes.id"],
            name=op.f("fk_essay_student_associations_class_id_classes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["students.id"],
            name=op.f("fk_essay_student_associations_student_id_students"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_essay_student_associations")),
        sa.UniqueConstraint("essay_id", name=op.f("uq_essay_student_associations_essay_id")),
    )
    table = "essay_student_associations"
    op.create_index(f"ix_{table}_batch_status", table, ["batch_id", "validation_status"])
    op.create_index(f"ix_{table}_class_status", table, ["class_id", "validation_status"])
    op.create_index(f"ix_{table}_student_id", table, ["student_id"])


def _create_event_outbox() -> None:
    op.create_table(
        "event_outbox",
        # BIGINT identity on PostgreSQL; SQLite only autoincrements an INTEGER primary key.
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.Identity(always=False),
            nullable=False,
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(255), nullable=False),
        sa.Column("aggregate_type", sa.String(32), nullable=False),
        sa.Column("aggregate_id", sa.String(64), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("correlation_id", sa.Uuid(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        _timestamp("occurred_at"),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        _timestamp("next_attempt_at", nullable=True),
        _timestamp("published_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_outbox_event_id")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_event_outbox_pending",
        "event_outbox",
        ["id"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index("ix_event_outbox_published_at", "event_outbox", ["published_at"])


def downgrade() -> None:
    op.drop_table("event_outbox")
    op.drop_table("essay_student_associations")
    op.drop_table("class_student_association")
    op.drop_table("students")
    op.drop_table("classes")
    op.drop_table("courses")
