"""NLP's suggestions events as they arrive on Kafka, for the consumer's unit and integration tests."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from class_management_service.domain.association_events import SUGGESTIONS_TOPIC


def candidate(student_id: uuid.UUID | str, confidence: float, name: str = "Ada Lovelace") -> dict[str, Any]:
    return {
        "student_id": str(student_id),
        "student_name": name,
        "student_email": "ada@example.com",
        "confidence_score": confidence,
        "match_reasons": ["exact_name"],
        "extraction_metadata": {},
    }


def match_result(essay_id: str, *candidates: dict[str, Any]) -> dict[str, Any]:
    return {
        "essay_id": essay_id,
        "text_storage_id": f"ts-{essay_id}",
        "filename": f"{essay_id}.docx",
        "suggestions": list(candidates),
        "no_match_reason": None if candidates else "no_name_found",
        "extraction_metadata": {},
    }


def suggestions_envelope(
    batch_id: str,
    class_id: uuid.UUID | str,
    results: Sequence[dict[str, Any]],
    *,
    event_id: uuid.UUID | None = None,
    correlation_id: uuid.UUID | None = None,
    course_code: str = "ENG5",
) -> dict[str, Any]:
    return {
        "event_id": str(event_id or uuid.uuid4()),
        "event_type": SUGGESTIONS_TOPIC,
        "event_timestamp": "2026-12-02T10:00:00+00:00",
        "source_service": "nlp_service",
        "schema_version": 1,
        "correlation_id": str(correlation_id or uuid.uuid4()),
        "data_schema_uri": None,
        "data": {
            "event_name": "batch.author.matches.suggested",
            "entity_id": None,
            "entity_type": None,
            "parent_id": None,
            "timestamp": "2026-12-02T10:00:00+00:00",
            "batch_id": batch_id,
            "class_id": str(class_id),
            "course_code": course_code,
            "match_results": list(results),
            "processing_summary": {"total_essays": len(results)},
            "processing_metadata": {},
        },
        "metadata": None,
    }


def encoded(envelope: dict[str, Any]) -> bytes:
    return orjson.dumps(envelope)
