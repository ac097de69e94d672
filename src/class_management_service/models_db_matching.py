"""Tables of essay→student matching and of the suggestions consumer (inbox, dead letters).

They register on the shared ``Base`` metadata; ``models_db`` imports this module so that
``models_db.metadata`` (Alembic's target) holds every table.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    Uuid,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from class_management_service.models_db_base import Base, OutboxId, Timestamp


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


association_batches: Table = Base.metadata.tables["association_batches"]
essay_students: Table = Base.metadata.tables["essay_student_associations"]
essay_suggestions: Table = Base.metadata.tables["essay_match_suggestions"]
inbox_events: Table = Base.metadata.tables["inbox_events"]
dead_letter_events: Table = Base.metadata.tables["dead_letter_events"]
