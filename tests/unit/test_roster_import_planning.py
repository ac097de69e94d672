"""The pure rules of a roster import: lookups, duplicates, modes, memberships and the summary event."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from itertools import count

from class_management_service.domain.import_rows import (
    FieldError,
    ImportMode,
    ImportRow,
    InvalidRow,
    ParsedRow,
    RosterUpload,
    RowOutcome,
)
from class_management_service.domain.models import Actor, Student
from class_management_service.domain.roster_import import ImportCommand, plan_import
from class_management_service.domain.roster_import_events import ROSTER_IMPORTED, import_events

AT = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
OWNER = "teacher-1"
CLASS_A, CLASS_B = uuid.UUID(int=1), uuid.UUID(int=2)


def _command(
    rows: list[ParsedRow], mode: ImportMode = ImportMode.CREATE_ONLY, **options: bool
) -> ImportCommand:
    ids = (uuid.UUID(int=1000 + n) for n in count())
    upload = RosterUpload(tuple(rows), (CLASS_A, CLASS_B), mode, **options)
    return ImportCommand(OWNER, upload, AT, lambda: next(ids))


def _student(
    email: str | None, external_id: str | None = None, class_ids: tuple[uuid.UUID, ...] = ()
) -> Student:
    then = AT - timedelta(days=1)
    return Student(
        uuid.uuid4(), "Ada", "Lovelace", "Ada Lovelace", email, class_ids, OWNER, then, then, external_id
    )


def test_lookup_keys_are_the_valid_rows_external_ids_and_lower_case_emails() -> None:
    rows: list[ParsedRow] = [
        ImportRow(2, "A", "B", None, "Ada@Example.com", "x-1"),
        InvalidRow(3, (FieldError("email", "bad"),)),
        ImportRow(4, "C", "D", None, None, None),
    ]
    external_ids, emails = _command(rows).lookup_keys()
    assert (external_ids, emails) == (["x-1"], ["ada@example.com"])


def test_created_students_get_ids_in_row_order_and_join_the_classes_one_microsecond_apart() -> None:
    rows: list[ParsedRow] = [
        ImportRow(2, "Ada", "", None, None, None),
        ImportRow(3, "", "Turing", "T", None, "9"),
    ]
    plan = plan_import(_command(rows), [])
    ada, alan = plan.created
    assert (ada.id, alan.id) == (uuid.UUID(int=1000), uuid.UUID(int=1001))
    assert (ada.legal_full_name, alan.legal_full_name, alan.external_id) == ("Ada", "T", "9")
    assert [(m.student_id, m.class_id, m.joined_at - AT) for m in plan.memberships] == [
        (ada.id, CLASS_A, timedelta(0)),
        (ada.id, CLASS_B, timedelta(microseconds=1)),
        (alan.id, CLASS_A, timedelta(0)),
        (alan.id, CLASS_B, timedelta(microseconds=1)),
    ]
    assert plan.writes


def test_an_update_joins_only_the_classes_the_student_is_not_in_after_their_current_ones() -> None:
    current = _student("ada@example.com", class_ids=(CLASS_B, uuid.UUID(int=3)))
    plan = plan_import(
        _command([ImportRow(2, "Ada", "Lovelace", None, None, None)], ImportMode.UPSERT), [current]
    )
    assert plan.counts[RowOutcome.CREATED] == 1  # a row without email or external id names nobody
    rows: list[ParsedRow] = [ImportRow(2, "Ada", "Lovelace", None, "ADA@example.com", None)]
    plan = plan_import(_command(rows, ImportMode.UPSERT), [current])
    (update,) = plan.updated
    assert update.added_class_ids == (CLASS_A,)
    assert update.student.class_ids == (CLASS_B, uuid.UUID(int=3), CLASS_A)
    assert update.student.email == "ADA@example.com"
    assert [(m.student_id, m.class_id) for m in plan.memberships] == [(current.id, CLASS_A)]


def test_an_atomic_plan_with_an_invalid_row_keeps_every_result_and_no_write() -> None:
    rows: list[ParsedRow] = [
        ImportRow(2, "Ada", "L", None, None, None),
        InvalidRow(3, (FieldError("email", "x"),)),
    ]
    plan = plan_import(_command(rows, atomic=True), [])
    assert plan.is_rejected
    assert (plan.created, plan.memberships, plan.writes) == ((), (), False)
    assert [r.outcome.value for r in plan.results] == ["created", "invalid"]


def test_a_dry_run_plans_the_writes_but_says_it_writes_nothing() -> None:
    plan = plan_import(_command([ImportRow(2, "Ada", "L", None, None, None)], dry_run=True), [])
    assert len(plan.created) == 1
    assert not plan.writes


def test_an_import_publishes_each_students_event_and_one_summary_for_the_teacher() -> None:
    rows: list[ParsedRow] = [ImportRow(n, "Ada", str(n), None, None, None) for n in range(2, 6)]
    plan = plan_import(_command(rows), [])
    actor = Actor(OWNER, uuid.uuid4())
    events = import_events(plan, actor)
    assert [e.aggregate_id for e in events[:-1]] == [s.id for s in plan.created]
    summary = json.loads(events[-1].envelope_json)["data"]
    assert (summary["notification_type"], summary["teacher_id"], summary["category"]) == (
        ROSTER_IMPORTED,
        OWNER,
        "class_management",
    )
    assert summary["payload"]["created"] == 4
    assert summary["payload"]["class_ids"] == [str(CLASS_A), str(CLASS_B)]
    assert "class_id" not in summary or summary["class_id"] is None
    assert events[-1].aggregate_id == actor.correlation_id
