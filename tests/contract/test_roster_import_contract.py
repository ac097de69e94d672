"""What every RosterImportRepositoryProtocol implementation promises: modes, dry run, atomic, re-upload."""

from __future__ import annotations

import json

from class_management_service.domain import event_builders
from class_management_service.domain.association_events import TEACHER_NOTIFICATION_TOPIC
from class_management_service.domain.events import STUDENT_CREATED_TOPIC, STUDENT_UPDATED_TOPIC
from class_management_service.domain.import_rows import ImportMode, ParsedRow, RowOutcome
from class_management_service.domain.models import StudentUpdate
from class_management_service.domain.roster_import_events import ROSTER_IMPORTED
from tests.conftest import unique_user
from tests.contract.conftest import Repos, actor_for, add_class, add_student, moment
from tests.contract.roster_import_scenarios import (
    command,
    counts,
    invalid,
    outcomes,
    row,
    run_import,
    students_of,
)

ROWS = (
    row(2, "Ada", "Lovelace", "ada@example.com", "sis-1"),
    row(3, "Alan", "Turing", "alan@example.com"),
    row(4, "Grace", "Hopper", None, "sis-3", legal_full_name="Grace Brewster Hopper"),
)


async def test_an_import_creates_every_row_enrolled_with_the_events_a_single_create_publishes(
    repos: Repos,
) -> None:
    owner, at = unique_user(), moment()
    school_class = await add_class(repos, owner)
    actor = actor_for(owner)
    plan = await run_import(repos, command(owner, ROWS, [school_class.id], at=at), actor)
    assert outcomes(plan) == [(2, "created"), (3, "created"), (4, "created")]
    assert counts(plan) == {"created": 3}
    stored = {s.id: s for s in await students_of(repos, owner)}
    assert [r.student_id in stored for r in plan.results] == [True, True, True]
    for student in plan.created:
        assert stored[student.id].class_ids == (school_class.id,)
        assert stored[student.id].created_at == at
        assert stored[student.id].external_id == student.external_id
    ada, alan, grace = plan.created
    assert (ada.email, ada.external_id, ada.legal_full_name) == ("ada@example.com", "sis-1", "Ada Lovelace")
    assert (alan.email, alan.external_id) == ("alan@example.com", None)
    assert (grace.email, grace.legal_full_name) == (None, "Grace Brewster Hopper")
    assert (await repos.classes.get(owner, school_class.id)).student_count == 3
    events = await repos.outbox()
    assert [topic for topic, *_ in events] == [STUDENT_CREATED_TOPIC] * 3 + [TEACHER_NOTIFICATION_TOPIC]
    for (_, aggregate_id, user_id, envelope), student in zip(events, plan.created, strict=False):
        expected = event_builders.student_created(student, actor)
        assert (aggregate_id, user_id) == (student.id, owner)
        assert envelope["data"] == json.loads(expected.envelope_json)["data"]
    summary = events[-1][3]["data"]
    assert (summary["notification_type"], summary["teacher_id"]) == (ROSTER_IMPORTED, owner)
    assert summary["payload"]["created"] == 3
    assert summary["class_id"] == str(school_class.id)


async def test_re_uploading_the_same_rows_is_unchanged_in_every_mode_and_writes_nothing(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    await run_import(repos, command(owner, ROWS, [school_class.id]))
    before, events = await students_of(repos, owner), await repos.outbox()
    for mode in ImportMode:
        plan = await run_import(repos, command(owner, ROWS, [school_class.id], mode))
        assert counts(plan) == {"unchanged": 3}, mode
        assert not plan.writes
    assert await students_of(repos, owner) == before
    assert await repos.outbox() == events


async def test_create_only_skips_an_existing_student_that_differs_and_leaves_them_alone(repos: Repos) -> None:
    owner = unique_user()
    existing = await add_student(repos, owner, "Ada", "Byron", "ada@example.com")
    plan = await run_import(repos, command(owner, ROWS[:2]))
    assert outcomes(plan) == [(2, "skipped"), (3, "created")]
    assert plan.results[0].student_id == existing.id
    assert (await repos.students.get(owner, existing.id)) == existing


async def test_upsert_updates_a_student_matched_by_email_in_any_case_and_enrols_them(repos: Repos) -> None:
    owner, at = unique_user(), moment()
    school_class = await add_class(repos, owner)
    existing = await add_student(
        repos, owner, "Ada", "Byron", "ADA@Example.com", legal_full_name="Augusta Ada King"
    )
    actor = actor_for(owner)
    rows = [row(2, "Ada", "Lovelace", "ada@example.com", "sis-1")]
    plan = await run_import(repos, command(owner, rows, [school_class.id], ImportMode.UPSERT, at=at), actor)
    assert outcomes(plan) == [(2, "updated")]
    after = await repos.students.get(owner, existing.id)
    assert (after.last_name, after.email, after.external_id) == ("Lovelace", "ada@example.com", "sis-1")
    assert after.legal_full_name == "Augusta Ada King"  # chosen by the teacher: an import keeps it
    assert (after.class_ids, after.updated_at) == ((school_class.id,), at)
    (topic, _, _, envelope), _notification = await repos.outbox()
    expected = event_builders.student_updated(StudentUpdate(after, (school_class.id,), ()), actor)
    assert topic == STUDENT_UPDATED_TOPIC
    assert envelope["data"] == json.loads(expected.envelope_json)["data"]


async def test_upsert_matches_by_external_id_first_and_keeps_fields_the_row_leaves_out(repos: Repos) -> None:
    owner = unique_user()
    await run_import(repos, command(owner, [ROWS[0]]))
    plan = await run_import(
        repos, command(owner, [row(5, "Ada", "King", None, "sis-1")], mode=ImportMode.UPSERT)
    )
    assert outcomes(plan) == [(5, "updated")]
    (after,) = await students_of(repos, owner)
    assert (after.last_name, after.email, after.legal_full_name) == ("King", "ada@example.com", "Ada King")


async def test_update_only_skips_rows_naming_nobody_and_updates_the_rest(repos: Repos) -> None:
    owner = unique_user()
    existing = await add_student(repos, owner, "Alan", "Turin", "alan@example.com")
    plan = await run_import(repos, command(owner, ROWS, mode=ImportMode.UPDATE_ONLY))
    assert outcomes(plan) == [(2, "skipped"), (3, "updated"), (4, "skipped")]
    assert [s.id for s in await students_of(repos, owner)] == [existing.id]
    assert (await repos.students.get(owner, existing.id)).last_name == "Turing"


async def test_a_dry_run_answers_what_the_real_run_does_and_writes_nothing(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    await add_student(repos, owner, "Alan", "Turin", "alan@example.com")
    rows: list[ParsedRow] = [*ROWS, invalid(5)]
    dry = await run_import(repos, command(owner, rows, [school_class.id], ImportMode.UPSERT, dry_run=True))
    assert await repos.outbox() == []
    assert len(await students_of(repos, owner)) == 1
    real = await run_import(repos, command(owner, rows, [school_class.id], ImportMode.UPSERT))
    assert outcomes(dry) == outcomes(real) == [(2, "created"), (3, "updated"), (4, "created"), (5, "invalid")]
    assert dry.results[1].student_id == real.results[1].student_id
    assert len(await students_of(repos, owner)) == 3


async def test_invalid_rows_do_not_stop_the_valid_ones_unless_the_import_is_atomic(repos: Repos) -> None:
    owner = unique_user()
    rows: list[ParsedRow] = [ROWS[0], invalid(3, "first_name", "too long"), ROWS[2]]
    rejected = await run_import(repos, command(owner, rows, atomic=True))
    assert rejected.is_rejected
    assert not rejected.writes
    assert rejected.results[1].errors[0].field == "first_name"
    assert await students_of(repos, owner) == []
    assert await repos.outbox() == []
    plan = await run_import(repos, command(owner, rows))
    assert outcomes(plan) == [(2, "created"), (3, "invalid"), (4, "created")]
    assert len(await students_of(repos, owner)) == 2
    assert plan.results[1].outcome is RowOutcome.INVALID
    assert plan.results[1].student_id is None
