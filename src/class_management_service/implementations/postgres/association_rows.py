"""Association records as domain objects, and domain objects as the array parameters statements read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson

from class_management_service.domain.association_suggestions import StudentSuggestion
from class_management_service.domain.associations import (
    AssociationBatch,
    BatchReview,
    EssayAssociation,
    PersonNames,
)
from class_management_service.implementations.postgres.rows import Record
from class_management_service.implementations.sql_common import utc


def to_batch(row: Record) -> AssociationBatch:
    return AssociationBatch(
        batch_id=row["batch_id"],
        class_id=row["class_id"],
        class_name=row["class_name"],
        course_code=row["course_code"],
        owner=row["owner"],
        correlation_id=row["correlation_id"],
        received_at=row["received_at"],
        deadline=row["deadline_at"],
        completed_at=row["completed_at"],
        timeout_triggered=row["timeout_triggered"],
    )


def to_essay(row: Record) -> EssayAssociation:
    """An essay row of ``ESSAY_COLUMNS`` beside the ``batch_id`` and ``class_id`` of its batch."""
    names = None
    if row["first_name"] is not None:
        names = PersonNames(row["first_name"], row["last_name"], row["legal_full_name"])
    return EssayAssociation(
        essay_id=row["essay_id"],
        batch_id=row["batch_id"],
        class_id=row["class_id"],
        position=row["position"],
        text_storage_id=row["text_storage_id"],
        filename=row["filename"],
        suggestions=_suggestions(row),
        no_match_reason=row["no_match_reason"],
        status=row["validation_status"],
        student_id=row["student_id"],
        confidence_score=row["confidence_score"],
        validation_method=row["validation_method"],
        validated_by=row["validated_by"],
        validated_at=row["validated_at"],
        created_at=row["created_at"],
        student_names=names,
    )


def _suggestions(row: Record) -> tuple[StudentSuggestion, ...]:
    if row["s_ids"] is None:
        return ()
    columns = zip(
        row["s_ids"], row["s_names"], row["s_emails"], row["s_scores"], row["s_reasons"], strict=True
    )
    return tuple(
        StudentSuggestion(student_id, name, email, score, tuple(orjson.loads(reasons)))
        for student_id, name, email, score, reasons in columns
    )


def to_reviews(rows: Iterable[Record]) -> dict[str, BatchReview]:
    """``REVIEWS`` rows grouped by batch, essays in row order."""
    batches: dict[str, AssociationBatch] = {}
    essays: dict[str, list[EssayAssociation]] = {}
    for row in rows:
        batch_id = row["batch_id"]
        if batch_id not in batches:
            batches[batch_id] = to_batch(row)
            essays[batch_id] = []
        if row["essay_id"] is not None:
            essays[batch_id].append(to_essay(row))
    return {batch_id: BatchReview(batch, tuple(essays[batch_id])) for batch_id, batch in batches.items()}


def names_of(rows: Iterable[Record]) -> dict[UUID, PersonNames]:
    """``MEMBERS`` rows: each student's names by id."""
    return {
        row["id"]: PersonNames(row["first_name"], row["last_name"], row["legal_full_name"]) for row in rows
    }


def named(
    essays: Iterable[EssayAssociation], names: Mapping[UUID, PersonNames]
) -> tuple[EssayAssociation, ...]:
    """Decided essays with their student's names, as reads show them."""
    return tuple(
        replace(e, student_names=None if e.student_id is None else names.get(e.student_id)) for e in essays
    )


def completed(review: BatchReview, at: datetime, *, timeout_triggered: bool) -> BatchReview:
    """The batch as it is once it was completed at ``at``."""
    return replace(review, batch=replace(review.batch, completed_at=at, timeout_triggered=timeout_triggered))


def merged(review: BatchReview, essays: Iterable[EssayAssociation]) -> BatchReview:
    """The batch with ``essays`` stored (replacing or joining its own), in position order."""
    by_id = {essay.essay_id: essay for essay in review.essays}
    by_id.update((essay.essay_id, essay) for essay in essays)
    ordered = sorted(by_id.values(), key=lambda essay: (essay.position, essay.essay_id))
    return replace(review, essays=tuple(ordered))


def essays_document(essays: Sequence[EssayAssociation]) -> str:
    """Pending essays with their candidates as the JSON ``INGEST_NEW`` and ``INGEST_WRITE`` read.

    Positional arrays, serialised by orjson in one call: building dicts (or serialising the
    dataclasses) costs several times more per essay. A naive timestamp is UTC, as ``utc`` has it.
    """
    rows = [
        (
            e.essay_id,
            e.position,
            e.text_storage_id,
            e.filename,
            e.no_match_reason,
            e.confidence_score,
            e.created_at,
            [
                (s.student_id, s.student_name, s.student_email, s.confidence_score, s.match_reasons)
                for s in e.suggestions
            ],
        )
        for e in essays
    ]
    return orjson.dumps(rows, option=orjson.OPT_NAIVE_UTC).decode()


def decision_arguments(essays: Sequence[EssayAssociation]) -> tuple[list[Any], ...]:
    """Decided essays as ``WRITE_DECISIONS``'s parameters $1 to $7."""
    return (
        [e.essay_id for e in essays],
        [e.status for e in essays],
        [e.student_id for e in essays],
        [e.confidence_score for e in essays],
        [e.validation_method for e in essays],
        [e.validated_by for e in essays],
        [None if e.validated_at is None else utc(e.validated_at) for e in essays],
    )
