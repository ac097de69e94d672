"""The association repository's SQLAlchemy Core statements, built once at import.

Building and cache-keying a statement per call costs more CPU than running it. Parameters of
executemany UPDATEs are prefixed ``b_`` (SQLAlchemy reserves the column names for SET values).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import BindParameter, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from class_management_service.domain.associations import PENDING
from class_management_service.implementations.sqlite.rows import STUDENT_COLUMNS
from class_management_service.models_db import class_students, classes, students
from class_management_service.models_db_matching import (
    association_batches,
    dead_letter_events,
    essay_students,
    essay_suggestions,
    inbox_events,
)

B, E, S = association_batches.c, essay_students.c, essay_suggestions.c
BATCH_IDS: BindParameter[str] = bindparam("batch_ids", expanding=True)


def _typed(name: str, column: Any) -> Any:
    return bindparam(name, type_=column.type)


# --- ingest -------------------------------------------------------------------------------
# RETURNING yields no row when the id is already there: the event is a replay.
INSERT_INBOX = sqlite_insert(inbox_events).on_conflict_do_nothing().returning(inbox_events.c.event_id)
CLASS_OF = select(classes.c.id, classes.c.name, classes.c.created_by_user_id).where(
    classes.c.id == bindparam("class_id")
)
MEMBER_IDS = select(class_students.c.student_id).where(class_students.c.class_id == bindparam("class_id"))
STORED_BATCH = select(B.class_id, B.completed_at).where(B.batch_id == bindparam("batch_id"))
# Later arrivals of a batch keep its first arrival's times and correlation id.
INSERT_BATCH = sqlite_insert(association_batches).on_conflict_do_nothing(index_elements=[B.batch_id])
_upsert = sqlite_insert(essay_students)
UPSERT_ESSAY = _upsert.on_conflict_do_update(
    index_elements=[E.essay_id],
    set_={
        column.name: _upsert.excluded[column.name] for column in essay_students.c if column.name != "essay_id"
    },
)
DELETE_SUGGESTIONS = delete(essay_suggestions).where(S.essay_id.in_(bindparam("essay_ids", expanding=True)))
INSERT_SUGGESTION = insert(essay_suggestions)

# --- reads --------------------------------------------------------------------------------
BATCHES = (
    select(*B, classes.c.name.label("class_name"), classes.c.created_by_user_id.label("owner"))
    .join_from(association_batches, classes, classes.c.id == B.class_id)
    .where(B.batch_id.in_(BATCH_IDS))
)
_ESSAY_COLUMNS = (
    *E,
    students.c.first_name,
    students.c.last_name,
    students.c.legal_full_name,
)
_ESSAYS = select(*_ESSAY_COLUMNS).outerjoin(students, students.c.id == E.student_id)
ESSAYS = _ESSAYS.where(E.batch_id.in_(BATCH_IDS)).order_by(E.batch_id, E.position)
ESSAY = _ESSAYS.where(E.essay_id == bindparam("essay_id"))
SUGGESTIONS = (
    select(*S)
    .join_from(essay_suggestions, essay_students, E.essay_id == S.essay_id)
    .where(E.batch_id.in_(BATCH_IDS))
    .order_by(S.essay_id, S.rank)
)
SUGGESTIONS_OF_ESSAY = select(*S).where(S.essay_id == bindparam("essay_id")).order_by(S.rank)
STORED_ESSAYS = select(*E).where(E.essay_id.in_(bindparam("essay_ids", expanding=True)))
NAMES = select(students.c.id, students.c.first_name, students.c.last_name, students.c.legal_full_name).where(
    students.c.id.in_(bindparam("student_ids", expanding=True))
)

# --- decisions ----------------------------------------------------------------------------
DECIDE_ESSAY = (
    update(essay_students)
    .where(E.essay_id == bindparam("b_essay_id"))
    .values(
        validation_status=_typed("b_status", E.validation_status),
        student_id=_typed("b_student_id", E.student_id),
        confidence_score=_typed("b_confidence", E.confidence_score),
        validation_method=_typed("b_method", E.validation_method),
        validated_by=_typed("b_validated_by", E.validated_by),
        validated_at=_typed("b_validated_at", E.validated_at),
    )
)
# Only the transaction that flips completed_at from NULL completes the batch (and emits its event).
COMPLETE_BATCH = (
    update(association_batches)
    .where(B.batch_id == bindparam("b_batch_id"), B.completed_at.is_(None))
    .values(
        completed_at=_typed("b_at", B.completed_at),
        timeout_triggered=_typed("b_timeout_triggered", B.timeout_triggered),
    )
)
EXPIRED = (
    select(B.batch_id)
    .where(B.completed_at.is_(None), B.deadline_at <= _typed("now", B.deadline_at))
    .order_by(B.deadline_at, B.batch_id)
    .limit(bindparam("limit"))
)

# --- delete guards ------------------------------------------------------------------------
CLASS_PENDING_BATCHES = (
    select(E.batch_id)
    .where(E.class_id == bindparam("class_id"), E.validation_status == PENDING)
    .distinct()
    .order_by(E.batch_id)
)
STUDENT_PENDING_BATCHES = (
    select(E.batch_id)
    .join_from(essay_students, essay_suggestions, S.essay_id == E.essay_id)
    .where(S.student_id == bindparam("student_id"), E.validation_status == PENDING)
    .distinct()
    .order_by(E.batch_id)
)

# --- the class's placeholder student ------------------------------------------------------
PLACEHOLDER = select(*STUDENT_COLUMNS).where(
    students.c.created_by_user_id == bindparam("owner"),
    func.lower(students.c.email) == func.lower(_typed("email", students.c.email)),
)
IS_MEMBER = select(class_students.c.student_id).where(
    class_students.c.class_id == bindparam("class_id"), class_students.c.student_id == bindparam("student_id")
)
INSERT_STUDENT = insert(students)
INSERT_MEMBER = insert(class_students)

INSERT_DEAD_LETTER = insert(dead_letter_events)
