"""Database schema as SQLAlchemy 2 typed models; Alembic revisions are written to match it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
    false,
    func,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Timestamp = DateTime(timezone=True)
# SQLite only autoincrements an INTEGER PRIMARY KEY (the rowid alias), never a BIGINT.
OutboxId = BigInteger().with_variant(Integer, "sqlite")


class Base(DeclarativeBase):
    """Declarative root; its metadata names every constraint so migrations are stable."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


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
    created_by_user_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)


Index("ix_students_owner_created", StudentRow.created_by_user_id, StudentRow.created_at, StudentRow.id)
# The repositories recognise a duplicate email by this name in the IntegrityError.
STUDENT_EMAIL_INDEX = "uq_students_owner_email_lower"
Index(STUDENT_EMAIL_INDEX, StudentRow.created_by_user_id, func.lower(StudentRow.email), unique=True)


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


class AssociationBatchRow(Base):
    """A batch of essays NLP matched against one class; decided once, when its last essay is."""

    __tablename__ = "association_batches"
    __table_args__ = (
        Index("ix_association_batches_class_id", "class_id"),
        # The timeout monitor's scan: open batches by deadline.
        Index(
            "ix_association_batches_open_deadline",
            "deadline_at",
            postgresql_where=text("completed_at IS NULL"),
            sqlite_where=text("completed_at IS NULL"),
        ),
    )

    batch_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    class_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("classes.id", ondelete="CASCADE"))
    course_code: Mapped[str] = mapped_column(String(32))
    correlation_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    received_at: Mapped[datetime] = mapped_column(Timestamp)
    deadline_at: Mapped[datetime] = mapped_column(Timestamp)
    completed_at: Mapped[datetime | None] = mapped_column(Timestamp)
    timeout_triggered: Mapped[bool] = mapped_column(Boolean, server_default=false())


class EssayStudentRow(Base):
    """One essay of a batch and its decision; the candidates are in ``essay_match_suggestions``."""

    __tablename__ = "essay_student_associations"
    __table_args__ = (
        Index("ix_essay_student_associations_batch_position", "batch_id", "position"),
        # Delete guards: a class's pending essays.
        Index(
            "ix_essay_student_associations_class_pending",
            "class_id",
            postgresql_where=text("validation_status = 'pending_validation'"),
            sqlite_where=text("validation_status = 'pending_validation'"),
        ),
        Index("ix_essay_student_associations_student_id", "student_id"),
    )

    essay_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    batch_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("association_batches.batch_id", ondelete="CASCADE")
    )
    class_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("classes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    text_storage_id: Mapped[str | None] = mapped_column(String(255))
    filename: Mapped[str | None] = mapped_column(String(1024))
    no_match_reason: Mapped[str | None] = mapped_column(Text)
    # The decided student; a later delete of that student keeps the decision with no student.
    student_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey("students.id", ondelete="SET NULL"))
    confidence_score: Mapped[float | None] = mapped_column(Float)
    validation_status: Mapped[str] = mapped_column(String(32), server_default="pending_validation")
    validation_method: Mapped[str | None] = mapped_column(String(16))
    validated_by: Mapped[str | None] = mapped_column(String(255))
    validated_at: Mapped[datetime | None] = mapped_column(Timestamp)
    created_at: Mapped[datetime] = mapped_column(Timestamp)


class EssayMatchSuggestionRow(Base):
    """One candidate student for an essay, ranked best first (rank 0)."""

    __tablename__ = "essay_match_suggestions"
    __table_args__ = (Index("ix_essay_match_suggestions_student_id", "student_id"),)

    essay_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("essay_student_associations.essay_id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    student_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey("students.id", ondelete="CASCADE"))
    student_name: Mapped[str] = mapped_column(String(512))
    student_email: Mapped[str | None] = mapped_column(String(255))
    confidence_score: Mapped[float] = mapped_column(Float)
    match_reasons: Mapped[Any] = mapped_column(JSON)


class InboxEventRow(Base):
    """Consumed event ids, written in the transaction that applied the event: exactly-once effect."""

    __tablename__ = "inbox_events"

    event_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    topic: Mapped[str] = mapped_column(String(255))
    consumed_at: Mapped[datetime] = mapped_column(Timestamp)


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


class DeadLetterRow(Base):
    """A consumed message that could not be used: raw bytes, where it came from, and why."""

    __tablename__ = "dead_letter_events"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(OutboxId, Identity(), primary_key=True)
    topic: Mapped[str] = mapped_column(String(255))
    partition: Mapped[int] = mapped_column(Integer)
    offset: Mapped[int] = mapped_column(BigInteger)
    message_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    message_value: Mapped[bytes | None] = mapped_column(LargeBinary)
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(Timestamp)


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
association_batches: Table = metadata.tables["association_batches"]
essay_students: Table = metadata.tables["essay_student_associations"]
essay_suggestions: Table = metadata.tables["essay_match_suggestions"]
inbox_events: Table = metadata.tables["inbox_events"]
dead_letter_events: Table = metadata.tables["dead_letter_events"]
event_outbox: Table = metadata.tables["event_outbox"]
idempotency_keys: Table = metadata.tables["idempotency_keys"]
