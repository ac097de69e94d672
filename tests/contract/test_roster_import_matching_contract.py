"""Roster-import matching on every backend: duplicates in a file, conflicts, scope, foreign classes."""

from __future__ import annotations

import uuid

import pytest

from class_management_service.domain.errors import ClassNotFoundError
from class_management_service.domain.import_rows import ImportMode
from tests.conftest import unique_user
from tests.contract.conftest import Repos, add_class, add_student
from tests.contract.roster_import_scenarios import command, counts, outcomes, row, run_import, students_of


async def test_rows_sharing_an_email_or_external_id_in_one_file_are_all_invalid(repos: Repos) -> None:
    owner = unique_user()
    rows = [
        row(2, "Ada", "Lovelace", "ada@example.com"),
        row(3, "Alan", "Turing", "alan@example.com", "sis-2"),
        row(4, "Ada", "Byron", "ADA@example.com"),
        row(5, "Grace", "Hopper", None, "sis-2"),
        row(6, "Edsger", "Dijkstra"),
    ]
    plan = await run_import(repos, command(owner, rows))
    assert outcomes(plan) == [(2, "invalid"), (3, "invalid"), (4, "invalid"), (5, "invalid"), (6, "created")]
    assert [e.field for e in plan.results[0].errors] == ["email"]
    assert "4" in plan.results[0].errors[0].message
    assert [e.field for e in plan.results[3].errors] == ["external_id"]
    assert [s.last_name for s in await students_of(repos, owner)] == ["Dijkstra"]


async def test_an_external_id_and_an_email_of_two_different_students_make_the_row_invalid(
    repos: Repos,
) -> None:
    owner = unique_user()
    await run_import(repos, command(owner, [row(2, "Ada", "Lovelace", "ada@example.com", "sis-1")]))
    await add_student(repos, owner, "Alan", "Turing", "alan@example.com")
    rows = [row(2, "Ada", "Lovelace", "alan@example.com", "sis-1")]
    plan = await run_import(repos, command(owner, rows, mode=ImportMode.UPSERT))
    assert outcomes(plan) == [(2, "invalid")]
    assert plan.results[0].errors[0].field == "email"
    assert not plan.writes


async def test_an_email_whose_student_has_another_external_id_is_not_taken_for_them(repos: Repos) -> None:
    owner = unique_user()
    await run_import(repos, command(owner, [row(2, "Ada", "Lovelace", "ada@example.com", "sis-1")]))
    plan = await run_import(
        repos, command(owner, [row(2, "Ada", "Lovelace", "ada@example.com", "sis-9")], mode=ImportMode.UPSERT)
    )
    assert plan.results[0].errors[0].field == "external_id"
    (ada,) = await students_of(repos, owner)
    assert ada.external_id == "sis-1"


async def test_two_rows_naming_one_existing_student_are_both_invalid(repos: Repos) -> None:
    owner = unique_user()
    await run_import(repos, command(owner, [row(2, "Ada", "Lovelace", "ada@example.com", "sis-1")]))
    rows = [row(2, "Ada", "Lovelace", None, "sis-1"), row(3, "Ada", "King", "ada@example.com")]
    plan = await run_import(repos, command(owner, rows, mode=ImportMode.UPSERT))
    assert counts(plan) == {"invalid": 2}


async def test_another_teachers_students_are_never_matched(repos: Repos) -> None:
    owner, other = unique_user(), unique_user()
    theirs = await add_student(repos, other, "Ada", "Lovelace", "ada@example.com")
    plan = await run_import(repos, command(owner, [row(2, "Ada", "Lovelace", "ada@example.com")]))
    assert outcomes(plan) == [(2, "created")]
    assert plan.results[0].student_id != theirs.id
    assert await repos.students.get(other, theirs.id) == theirs


async def test_a_class_that_is_not_the_teachers_fails_the_import_naming_it_and_writes_nothing(
    repos: Repos,
) -> None:
    owner, other = unique_user(), unique_user()
    mine, theirs, unknown = await add_class(repos, owner), await add_class(repos, other), uuid.uuid4()
    with pytest.raises(ClassNotFoundError) as raised:
        await run_import(repos, command(owner, [row(2, "Ada", "Lovelace")], [mine.id, unknown, theirs.id]))
    assert raised.value.details["class_ids"] == [str(unknown), str(theirs.id)]
    assert await students_of(repos, owner) == []
    assert await repos.outbox() == []


async def test_an_existing_student_joins_the_classes_of_an_upsert_and_only_that_is_an_update(
    repos: Repos,
) -> None:
    owner = unique_user()
    first, second = await add_class(repos, owner), await add_class(repos, owner)
    await run_import(repos, command(owner, [row(2, "Ada", "Lovelace", "ada@example.com")], [first.id]))
    again = [row(2, "Ada", "Lovelace", "ada@example.com")]
    plan = await run_import(repos, command(owner, again, [first.id, second.id], ImportMode.UPSERT))
    assert outcomes(plan) == [(2, "updated")]
    (update,) = plan.updated
    assert update.added_class_ids == (second.id,)
    (ada,) = await students_of(repos, owner)
    assert ada.class_ids == (first.id, second.id)
    assert (await repos.classes.get(owner, second.id)).student_count == 1


async def test_a_re_upload_matches_emails_whose_letters_fold_differently_in_python_and_sql(
    repos: Repos,
) -> None:
    # PostgreSQL's lower() folds "İ" to "i"; Python's str.lower() to "i" plus a combining dot.
    owner = unique_user()
    rows = [row(2, "İda", "Yilmaz", "İda.Yilmaz@example.com"), row(3, "Şule", "Öz", "ŞULE@example.com")]
    first = await run_import(repos, command(owner, rows))
    again = await run_import(repos, command(owner, rows, mode=ImportMode.UPSERT))
    assert counts(first) == {"created": 2}
    assert counts(again) == {"unchanged": 2}
    assert [r.student_id for r in again.results] == [r.student_id for r in first.results]
