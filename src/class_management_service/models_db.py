"""Database schema as SQLAlchemy 2 typed models; Alembic revisions are written to match it.

This module holds the class, student, idempotency-key and outbox tables and ``metadata``,
Alembic's target; the matching tables live in ``models_db_matching`` on the same ``Base``,
imported here so that ``metadata`` always holds every table.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Identity, Index, Integer, String, Table, Text, Uuid, func, text
from sqlalchemy.orm import Mapped, mapped_column

# Imported for its effect: the matching tables register on ``metadata``.
from class_management_service import models_db_matching  # noqa: F401
from class_management_service.models_db_base import Base, OutboxId, Timestamp


class CourseRow(Base):
    """Reference course; seeded by migration 0002, never written by the API."""

    __tablename__ = "courses"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    course_code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(8))


class ClassRow(Base):
    """A teacher's class."""

    __tablename__ = "classes"
    __table_args__ = (Index("ix_classes_owner_created", "created_by_user_id", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    course_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("courses.id"))
    created_by_user_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


class StudentRow(Base):
    """A teacher's student; email is unique per teacher, case-insensitively."""

    __tablename__ = "students"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    first_name: Mapped[str] = mapped_column(String(255))
    last_name: Mapped[str] = mapped_column(String(255))
    legal_full_name: Mapped[str] = mapped_column(String(512))
    email: Mapped[str | None] = mapped_column(String(255))
    # The school information system's id (roster import); unique per teacher when set.
    external_id: Mapped[str | None] = mapped_column(String(255))
    created_by_user_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


Index("ix_students_owner_created", StudentRow.created_by_user_id, StudentRow.created_at, StudentRow.id)
# The repositories recognise a duplicate email by this name in the IntegrityError.
STUDENT_EMAIL_INDEX = "uq_students_owner_email_lower"
Index(STUDENT_EMAIL_INDEX, StudentRow.created_by_user_id, func.lower(StudentRow.email), unique=True)
STUDENT_EXTERNAL_ID_INDEX = "uq_students_owner_external_id"
Index(
    STUDENT_EXTERNAL_ID_INDEX,
    StudentRow.created_by_user_id,
    StudentRow.external_id,
    unique=True,
    postgresql_where=text("external_id IS NOT NULL"),
    sqlite_where=text("external_id IS NOT NULL"),
)


class ClassStudentRow(Base):
    """Membership of a student in a class; a set, so the pair is the key."""

    __tablename__ = "class_student_association"
    __table_args__ = (Index("ix_class_student_association_student_id", "student_id"),)

    class_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("classes.id", ondelete="CASCADE"), primary_key=True
    )
    student_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("students.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class IdempotencyKeyRow(Base):
    """A teacher's ``Idempotency-Key``: claimed before a write, completed in the write's transaction."""

    __tablename__ = "idempotency_keys"
    # The hourly purge of keys older than a day reads it.
    __table_args__ = (Index("ix_idempotency_keys_created_at", "created_at"),)

    owner: Mapped[str] = mapped_column(String(255), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # in_flight | completed
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class EventOutboxRow(Base):
    """An event envelope committed with its change and waiting for the relay."""

    __tablename__ = "event_outbox"
    __table_args__ = (
        Index(
            "ix_event_outbox_pending",
            "id",
            postgresql_where=text("published_at IS NULL"),
            sqlite_where=text("published_at IS NULL"),
        ),
        # Only the purge of published rows reads it; pending rows stay out (migration 0005).
        Index(
            "ix_event_outbox_published_at",
            "published_at",
            postgresql_where=text("published_at IS NOT NULL"),
            sqlite_where=text("published_at IS NOT NULL"),
        ),
        # The relay's claim skips keys with a row in backoff; only such rows are indexed (migration 0003).
        Index(
            "ix_event_outbox_retrying",
            "aggregate_id",
            postgresql_where=text("published_at IS NULL AND next_attempt_at IS NOT NULL"),
            sqlite_where=text("published_at IS NULL AND next_attempt_at IS NOT NULL"),
        ),
        # Never reuse an id on SQLite, even after the newest rows were purged.
        {"sqlite_autoincrement": True},
    )

    # The identity order is the publish order; rows of one aggregate are inserted under its row
    # lock, so their ids follow commit order.
    id: Mapped[int] = mapped_column(OutboxId, Identity(), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True)
    topic: Mapped[str] = mapped_column(String(255))
    aggregate_type: Mapped[str] = mapped_column(String(32))
    aggregate_id: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(String(255))
    correlation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    payload: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp, server_default=func.now())
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(Timestamp)
    published_at: Mapped[datetime | None] = mapped_column(Timestamp)


metadata = Base.metadata
courses: Table = metadata.tables["courses"]
classes: Table = metadata.tables["classes"]
students: Table = metadata.tables["students"]
class_students: Table = metadata.tables["class_student_association"]
event_outbox: Table = metadata.tables["event_outbox"]
idempotency_keys: Table = metadata.tables["idempotency_keys"]
