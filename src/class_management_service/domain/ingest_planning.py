"""What storing a suggestions event writes, decided free of I/O: which essays get the event's candidates."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from uuid import UUID

from class_management_service.domain.association_suggestions import (
    StudentSuggestion,
    SuggestedBatch,
    SuggestedEssay,
)
from class_management_service.domain.associations import PENDING, EssayAssociation


@dataclass(frozen=True, slots=True)
class IngestPlan:
    """What to write for one suggestions event: essays to insert or replace, and the counts."""

    essays: tuple[EssayAssociation, ...]
    kept_essays: int
    dropped_suggestions: int


def plan_ingest(
    batch: SuggestedBatch,
    class_students: Collection[UUID],
    existing: Mapping[str, EssayAssociation],
    *,
    is_batch_completed: bool,
) -> IngestPlan:
    """New essays and still-pending essays of this batch get the event's candidates.

    ``existing`` holds the stored essays among the event's essay ids (of any batch). A
    completed batch keeps everything: its confirmed event is already out, exactly once.
    Candidates outside ``class_students`` are dropped; the rest are kept best first. An essay
    listed twice in one event counts once (the first listing).
    """
    dropped = batch.unparsable_suggestions
    kept = 0
    planned: dict[str, EssayAssociation] = {}
    seen: set[str] = set()
    for position, essay in enumerate(batch.essays):
        if essay.essay_id in seen:
            continue
        seen.add(essay.essay_id)
        current = existing.get(essay.essay_id)
        in_class = [s for s in essay.suggestions if s.student_id in class_students]
        dropped += len(essay.suggestions) - len(in_class)
        if is_batch_completed or (
            current is not None and (current.batch_id != batch.batch_id or not current.is_pending)
        ):
            kept += 1
            continue
        planned[essay.essay_id] = _pending_essay(batch, essay, position, in_class, current)
    return IngestPlan(tuple(planned.values()), kept, dropped)


def _pending_essay(
    batch: SuggestedBatch,
    essay: SuggestedEssay,
    position: int,
    in_class: list[StudentSuggestion],
    current: EssayAssociation | None,
) -> EssayAssociation:
    ranked = tuple(sorted(in_class, key=lambda s: -s.confidence_score))  # stable: NLP's order on ties
    return EssayAssociation(
        essay_id=essay.essay_id,
        batch_id=batch.batch_id,
        class_id=batch.class_id,
        position=position,
        text_storage_id=essay.text_storage_id,
        filename=essay.filename,
        suggestions=ranked,
        no_match_reason=essay.no_match_reason,
        status=PENDING,
        student_id=None,
        confidence_score=ranked[0].confidence_score if ranked else None,
        validation_method=None,
        validated_by=None,
        validated_at=None,
        created_at=current.created_at if current is not None else batch.received_at,
    )
