"""If-Match on every backend: a write replaces only the version it names, checked under its lock."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from class_management_service.domain.errors import (
    ClassNotFoundError,
    PreconditionFailedError,
    StudentNotFoundError,
)
from class_management_service.domain.models import ClassChanges
from class_management_service.domain.preconditions import IfMatch
from tests.contract.conftest import Repos, add_class, add_student, changes, explode, moment, no_events


async def test_class_update_runs_when_if_match_names_the_current_version(repos: Repos) -> None:
    created = await add_class(repos, "t1")
    at = moment()
    updated = await repos.classes.update(
        "t1",
        created.id,
        ClassChanges("7B", None, at),
        no_events,
        if_match=IfMatch(frozenset({created.updated_at})),
    )
    assert updated.name == "7B"
    assert updated.updated_at == at


async def test_class_update_is_refused_and_changes_nothing_when_the_version_is_stale(repos: Repos) -> None:
    created = await add_class(repos, "t1")
    stale = IfMatch(frozenset({created.updated_at}))
    await repos.classes.update("t1", created.id, ClassChanges("7B", None, moment()), no_events)
    before = await repos.classes.get("t1", created.id)

    with pytest.raises(PreconditionFailedError):
        await repos.classes.update(
            "t1", created.id, ClassChanges("7C", None, moment()), no_events, if_match=stale
        )
    with pytest.raises(PreconditionFailedError):
        await repos.classes.delete("t1", created.id, no_events, at=moment(), if_match=stale)

    assert await repos.classes.get("t1", created.id) == before


async def test_empty_if_match_never_matches_when_no_tag_named_a_version(repos: Repos) -> None:
    created = await add_class(repos, "t1")
    with pytest.raises(PreconditionFailedError):
        await repos.classes.delete("t1", created.id, no_events, at=moment(), if_match=IfMatch(frozenset()))
    assert await repos.classes.get("t1", created.id) == created


async def test_missing_resource_is_not_found_when_if_match_is_given_too(repos: Repos) -> None:
    anything = IfMatch(frozenset({moment()}))
    with pytest.raises(ClassNotFoundError):
        await repos.classes.update(
            "t1", uuid.uuid4(), ClassChanges("7B", None, moment()), no_events, if_match=anything
        )
    with pytest.raises(StudentNotFoundError):
        await repos.students.delete("t1", uuid.uuid4(), no_events, at=moment(), if_match=anything)
    other = await add_class(repos, "t2")
    with pytest.raises(ClassNotFoundError):  # another teacher's class is not revealed by a 412
        await repos.classes.delete("t1", other.id, no_events, at=moment(), if_match=anything)


async def test_student_writes_honour_if_match_when_the_version_is_current_or_stale(repos: Repos) -> None:
    created = await add_student(repos, "t1")
    current = IfMatch(frozenset({created.updated_at}))
    update = await repos.students.update(
        "t1", created.id, changes(email="ada@example.com"), no_events, if_match=current
    )

    with pytest.raises(PreconditionFailedError):
        await repos.students.update(
            "t1", created.id, changes(email="x@example.com"), no_events, if_match=current
        )
    with pytest.raises(PreconditionFailedError):
        await repos.students.delete("t1", created.id, no_events, at=moment(), if_match=current)

    assert await repos.students.get("t1", created.id) == update.student
    fresh = IfMatch(frozenset({update.student.updated_at}))
    await repos.students.delete("t1", created.id, no_events, at=moment(), if_match=fresh)


async def test_one_of_two_writes_naming_the_same_version_wins_when_they_race(repos: Repos) -> None:
    created = await add_class(repos, "t1")
    same = IfMatch(frozenset({created.updated_at}))

    results = await asyncio.gather(
        *(
            repos.classes.update(
                "t1", created.id, ClassChanges(name, None, moment()), no_events, if_match=same
            )
            for name in ("7B", "7C")
        ),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["PreconditionFailedError", "SchoolClass"]


async def test_stale_if_match_is_refused_even_when_the_update_would_change_nothing(repos: Repos) -> None:
    school_class = await add_class(repos, "t1")
    stale_class = IfMatch(frozenset({school_class.updated_at}))
    school_class = await repos.classes.update(
        "t1", school_class.id, ClassChanges("7B", None, moment()), no_events
    )
    student = await add_student(repos, "t1")
    stale_student = IfMatch(frozenset({student.updated_at}))
    student = (
        await repos.students.update("t1", student.id, changes(email="a@example.com"), no_events)
    ).student

    with pytest.raises(PreconditionFailedError):
        await repos.classes.update(
            "t1", school_class.id, ClassChanges("7B", None, moment()), explode, if_match=stale_class
        )
    with pytest.raises(PreconditionFailedError):
        await repos.students.update(
            "t1", student.id, changes(email="a@example.com"), explode, if_match=stale_student
        )

    assert await repos.classes.get("t1", school_class.id) == school_class
    assert await repos.students.get("t1", student.id) == student


async def test_no_op_update_with_current_if_match_returns_the_resource_and_writes_nothing(
    repos: Repos,
) -> None:
    school_class = await add_class(repos, "t1")
    student = await add_student(repos, "t1")
    # ``explode`` as the event builder: a write that asked for events would fail.
    same_class = await repos.classes.update(
        "t1",
        school_class.id,
        ClassChanges(school_class.name, None, moment()),
        explode,
        if_match=IfMatch(frozenset({school_class.updated_at})),
    )
    same_student = await repos.students.update(
        "t1",
        student.id,
        changes(email=student.email),
        explode,
        if_match=IfMatch(frozenset({student.updated_at})),
    )

    assert same_class == school_class == await repos.classes.get("t1", school_class.id)
    assert same_student.student == student == await repos.students.get("t1", student.id)
    assert not same_student.added_class_ids
    assert not same_student.removed_class_ids
