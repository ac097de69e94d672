"""Reading one suggestions message in the two phases the platform asks for: envelope, then data.

A message that cannot be read is ``Rejected`` (dead-lettered with the reason); one that names a
class that cannot be ours is ``ForeignClass`` (counted, nothing stored); anything else becomes
the ``SuggestedBatch`` the repository stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from uuid import UUID

import orjson
from pydantic import ValidationError

from class_management_service.domain.association_events import (
    SUGGESTIONS_TOPIC,
    BatchAuthorMatchesSuggestedV1,
    EssayMatchResultV1,
    ReceivedEnvelope,
)
from class_management_service.domain.association_suggestions import (
    StudentSuggestion,
    SuggestedBatch,
    SuggestedEssay,
)

# The platform's course codes (common_core's CourseCode); the migrations seed the same six.
COURSE_CODES = frozenset({"ENG5", "ENG6", "ENG7", "SV1", "SV2", "SV3"})
_MAX_REASON_CHARS = 1000

# A class's students recur in every batch of that class, and building a UUID from text costs
# more than the rest of reading its candidate; invalid ids raise, and are never cached.
_student_uuid = lru_cache(maxsize=65_536)(UUID)


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message nobody can use: ``kind`` labels the metric, ``reason`` is kept with the bytes."""

    kind: str
    reason: str


@dataclass(frozen=True, slots=True)
class ForeignClass:
    """A well-formed event whose class id is not even a UUID: no class of ours, nothing to store."""

    event_id: UUID
    batch_id: str


Parsed = SuggestedBatch | ForeignClass | Rejected


def parse_suggestions(value: bytes | None, received_at: datetime, timeout: timedelta) -> Parsed:
    """The batch to store, or why not; ``received_at + timeout`` is the batch's deadline."""
    envelope = _envelope(value)
    if isinstance(envelope, Rejected):
        return envelope
    data = _data(envelope)
    if isinstance(data, Rejected):
        return data
    try:
        class_id = UUID(data.class_id)
    except ValueError:
        return ForeignClass(envelope.event_id, data.batch_id)
    essays, unparsable = _essays(data.match_results)
    return SuggestedBatch(
        event_id=envelope.event_id,
        batch_id=data.batch_id,
        class_id=class_id,
        course_code=data.course_code,
        correlation_id=envelope.correlation_id,
        essays=essays,
        received_at=received_at,
        deadline=received_at + timeout,
        unparsable_suggestions=unparsable,
    )


def _envelope(value: bytes | None) -> ReceivedEnvelope | Rejected:
    """Phase one: JSON, and an envelope of the suggestions event type."""
    if value is None:
        return Rejected("not_json", "the message has no value (a tombstone)")
    # orjson, then the model from Python objects: validating ``data`` (any JSON) from JSON text
    # in pydantic costs several times more.
    try:
        document: Any = orjson.loads(value)
    except orjson.JSONDecodeError:
        return Rejected("not_json", "the message is not JSON")
    try:
        envelope = ReceivedEnvelope.model_validate(document)
    except ValidationError as error:
        return Rejected("invalid_envelope", _describe("envelope", error))
    if envelope.event_type != SUGGESTIONS_TOPIC:
        return Rejected("invalid_envelope", f"unexpected event_type {envelope.event_type[:100]!r}")
    return envelope


def _data(envelope: ReceivedEnvelope) -> BatchAuthorMatchesSuggestedV1 | Rejected:
    """Phase two: the event's data, for a course the platform knows."""
    try:
        data = BatchAuthorMatchesSuggestedV1.model_validate(envelope.data)
    except ValidationError as error:
        return Rejected("invalid_data", _describe("data", error))
    if data.course_code not in COURSE_CODES:
        return Rejected("unknown_course", f"unknown course_code {data.course_code[:20]!r}")
    return data


def _essays(results: list[EssayMatchResultV1]) -> tuple[tuple[SuggestedEssay, ...], int]:
    """Every essay with its candidates whose student id is a UUID; the others are only counted."""
    essays: list[SuggestedEssay] = []
    unparsable = 0
    for result in results:
        suggestions: list[StudentSuggestion] = []
        for suggestion in result.suggestions:
            try:
                student_id = _student_uuid(suggestion.student_id)
            except ValueError:
                unparsable += 1
                continue
            suggestions.append(
                StudentSuggestion(
                    student_id=student_id,
                    student_name=suggestion.student_name,
                    student_email=suggestion.student_email,
                    confidence_score=suggestion.confidence_score,
                    match_reasons=tuple(suggestion.match_reasons),
                )
            )
        essays.append(
            SuggestedEssay(
                essay_id=result.essay_id,
                text_storage_id=result.text_storage_id,
                filename=result.filename,
                suggestions=tuple(suggestions),
                no_match_reason=result.no_match_reason,
            )
        )
    return tuple(essays), unparsable


def _describe(part: str, error: ValidationError) -> str:
    """Where and why validation failed, never the offending values (they may be personal data)."""
    problems = "; ".join(
        f"{'.'.join(str(item) for item in detail['loc']) or part}: {detail['msg']}"
        for detail in error.errors(include_url=False, include_input=False)
    )
    return f"invalid {part}: {problems}"[:_MAX_REASON_CHARS]
