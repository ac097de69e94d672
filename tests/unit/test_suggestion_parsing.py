"""Reading a suggestions message: envelope first, data second; what cannot be used says why."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from class_management_service.consumer.suggestion_parsing import ForeignClass, Rejected, parse_suggestions
from class_management_service.domain.association_suggestions import SuggestedBatch
from tests.suggestion_messages import candidate, encoded, match_result, suggestions_envelope

RECEIVED_AT = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
TIMEOUT = timedelta(hours=24)
CLASS_ID = uuid.uuid4()
ADA, BOB = uuid.uuid4(), uuid.uuid4()


def _parse(value: bytes | None) -> object:
    return parse_suggestions(value, RECEIVED_AT, TIMEOUT)


def test_a_valid_event_becomes_the_batch_with_every_candidate_and_its_deadline() -> None:
    event_id, correlation_id = uuid.uuid4(), uuid.uuid4()
    results = [match_result("e1", candidate(ADA, 0.9), candidate(BOB, 0.4, "Bob Ross")), match_result("e2")]
    envelope = suggestions_envelope(
        "b1", CLASS_ID, results, event_id=event_id, correlation_id=correlation_id, course_code="SV2"
    )

    batch = _parse(encoded(envelope))

    assert isinstance(batch, SuggestedBatch)
    assert (batch.event_id, batch.batch_id, batch.class_id) == (event_id, "b1", CLASS_ID)
    assert (batch.course_code, batch.correlation_id) == ("SV2", correlation_id)
    assert (batch.received_at, batch.deadline) == (RECEIVED_AT, RECEIVED_AT + TIMEOUT)
    first, second = batch.essays
    assert (first.essay_id, first.text_storage_id, first.filename) == ("e1", "ts-e1", "e1.docx")
    assert [(s.student_id, s.student_name, s.confidence_score) for s in first.suggestions] == [
        (ADA, "Ada Lovelace", 0.9),
        (BOB, "Bob Ross", 0.4),
    ]
    assert first.suggestions[0].match_reasons == ("exact_name",)
    assert (second.suggestions, second.no_match_reason) == ((), "no_name_found")
    assert batch.unparsable_suggestions == 0


def test_candidates_whose_student_id_is_no_uuid_are_counted_not_kept() -> None:
    results = [match_result("e1", candidate("S-17", 0.9), candidate(ADA, 0.5))]

    batch = _parse(encoded(suggestions_envelope("b1", CLASS_ID, results)))

    assert isinstance(batch, SuggestedBatch)
    assert [s.student_id for s in batch.essays[0].suggestions] == [ADA]
    assert batch.unparsable_suggestions == 1


def test_a_class_id_that_is_no_uuid_names_no_class_of_ours() -> None:
    event_id = uuid.uuid4()
    envelope = suggestions_envelope("b1", "class-7", [match_result("e1")], event_id=event_id)

    assert _parse(encoded(envelope)) == ForeignClass(event_id, "b1")


def test_bytes_that_are_not_json_are_rejected_as_such() -> None:
    assert _parse(b"\x00not json{") == Rejected("not_json", "the message is not JSON")
    assert _parse(None) == Rejected("not_json", "the message has no value (a tombstone)")


def test_an_invalid_envelope_is_rejected_before_its_data_is_read() -> None:
    envelope = suggestions_envelope("b1", CLASS_ID, [match_result("e1")])
    del envelope["event_id"]

    rejected = _parse(encoded(envelope))

    assert isinstance(rejected, Rejected)
    assert rejected.kind == "invalid_envelope"
    assert "event_id" in rejected.reason


def test_another_event_type_is_rejected() -> None:
    envelope = suggestions_envelope("b1", CLASS_ID, [match_result("e1")])
    envelope["event_type"] = "huleedu.something.else.v1"

    rejected = _parse(encoded(envelope))

    assert isinstance(rejected, Rejected)
    assert rejected.kind == "invalid_envelope"


def test_invalid_data_is_rejected_naming_the_field_but_never_its_value() -> None:
    bad = candidate(ADA, 1.5, name="Secret Person")
    envelope = suggestions_envelope("b1", CLASS_ID, [match_result("e1", bad)])

    rejected = _parse(encoded(envelope))

    assert isinstance(rejected, Rejected)
    assert rejected.kind == "invalid_data"
    assert "match_results.0.suggestions.0.confidence_score" in rejected.reason
    assert "Secret" not in rejected.reason
    assert "1.5" not in rejected.reason


def test_an_unknown_course_code_is_rejected() -> None:
    envelope = suggestions_envelope("b1", CLASS_ID, [match_result("e1")], course_code="MATH1")

    rejected = _parse(encoded(envelope))

    assert rejected == Rejected("unknown_course", "unknown course_code 'MATH1'")
