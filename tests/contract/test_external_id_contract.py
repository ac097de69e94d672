"""A student's external id (the school information system's) on every backend: stored and read
back, unique among one teacher's students only, set, cleared and kept by an update."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from uuid import UUID

import pytest

from class_management_service.domain import event_builders
from class_management_service.domain.errors import (
    DuplicateStudentEmailError,
    DuplicateStudentExternalIdError,
    StudentNotFoundError,
)
from class_management_service.domain.models import UNSET, PageRequest, Student, StudentFilter, Unset
from tests.conftest import unique_user
from tests.contract.conftest import (
    Repos,
    actor_for,
    add_class,
    add_student,
    changes,
    moment,
    new_student,
    no_events,
)

EVERYONE = StudentFilter()


async def _class_ids(repos: Repos, owner: str, *, enrolled: bool) -> list[UUID]:
    """One class of the teacher's when ``enrolled`` (the backends' create with classes), else none."""
    return [(await add_class(repos, owner)).id] if enrolled else []


@pytest.mark.parametrize("enrolled", [False, True], ids=["no-class", "in-a-class"])
async def test_create_stores_the_external_id_and_every_read_returns_it(repos: Repos, enrolled: bool) -> None:
    owner = unique_user()
    class_ids = await _class_ids(repos, owner, enrolled=enrolled)
    new = new_student(owner, email="ada@example.com", class_ids=class_ids, external_id="SIS-0001")
    actor = actor_for(owner)

    created = await repos.students.create(new, lambda s: [event_builders.student_created(s, actor)])

    assert created.external_id == "SIS-0001"
    assert await repos.students.get(owner, new.id) == created
    assert (await repos.students.list(owner, PageRequest(), EVERYONE)).items == [created]
    [(_, _, _, envelope)] = await repos.outbox()
    assert envelope["data"]["external_id"] == "SIS-0001"


async def test_students_without_an_external_id_do_not_collide(repos: Repos) -> None:
    owner = unique_user()

    first, second = await add_student(repos, owner), await add_student(repos, owner)

    assert (first.external_id, second.external_id) == (None, None)
    assert (await repos.students.get(owner, second.id)).external_id is None


@pytest.mark.parametrize("enrolled", [False, True], ids=["no-class", "in-a-class"])
async def test_create_raises_duplicate_external_id_for_the_same_teacher_and_writes_nothing(
    repos: Repos, enrolled: bool
) -> None:
    owner = unique_user()
    class_ids = await _class_ids(repos, owner, enrolled=enrolled)
    existing = await add_student(repos, owner, email="ada@example.com", external_id="SIS-0001")
    new = new_student(
        owner, "Grace", "Hopper", "grace@example.com", class_ids=class_ids, external_id="SIS-0001"
    )
    actor = actor_for(owner)

    with pytest.raises(DuplicateStudentExternalIdError) as raised:
        await repos.students.create(new, lambda s: [event_builders.student_created(s, actor)])

    assert raised.value.code == "DUPLICATE_STUDENT_EXTERNAL_ID"
    assert raised.value.details == {"field": "external_id"}
    with pytest.raises(StudentNotFoundError):
        await repos.students.get(owner, new.id)
    assert [s.id for s in (await repos.students.list(owner, PageRequest(), EVERYONE)).items] == [existing.id]
    for class_id in class_ids:
        assert (await repos.classes.get(owner, class_id)).student_count == 0
    assert await repos.outbox() == []


async def test_a_create_taking_both_an_email_and_an_external_id_reports_the_email(repos: Repos) -> None:
    owner = unique_user()
    await add_student(repos, owner, email="ada@example.com", external_id="SIS-0001")

    with pytest.raises(DuplicateStudentEmailError):
        await add_student(repos, owner, email="ADA@example.com", external_id="SIS-0001")

    assert await repos.outbox() == []


async def test_external_ids_compare_exactly_and_another_teacher_may_reuse_one(repos: Repos) -> None:
    owner, other = unique_user(), unique_user()
    await add_student(repos, owner, external_id="sis-1")

    reused = await add_student(repos, other, external_id="sis-1")
    other_case = await add_student(repos, owner, external_id="SIS-1")

    assert (await repos.students.get(other, reused.id)).external_id == "sis-1"
    assert (await repos.students.get(owner, other_case.id)).external_id == "SIS-1"


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        pytest.param(UNSET, "SIS-0001", id="omitted-keeps"),
        pytest.param(None, None, id="null-clears"),
        pytest.param("SIS-0002", "SIS-0002", id="value-sets"),
    ],
)
async def test_update_keeps_clears_or_sets_the_external_id_and_announces_it(
    repos: Repos, sent: str | Unset | None, expected: str | None
) -> None:
    owner = unique_user()
    actor = actor_for(owner)
    created = await add_student(repos, owner, email="ada@example.com", external_id="SIS-0001")
    # A rename alongside, so that every case is a change and writes one event.
    request = replace(changes(at=moment(), external_id=sent), first_name="Augusta")

    update = await repos.students.update(
        owner, created.id, request, lambda u: [event_builders.student_updated(u, actor)]
    )

    stored = await repos.students.get(owner, created.id)
    assert stored.external_id == expected
    assert update.student == stored
    [(_, _, _, envelope)] = await repos.outbox()
    assert envelope["data"]["external_id"] == expected


async def test_an_update_that_only_changes_the_external_id_is_a_change(repos: Repos) -> None:
    owner = unique_user()
    created = await add_student(repos, owner)
    request = changes(external_id="SIS-0001")

    update = await repos.students.update(
        owner, created.id, request, lambda u: [event_builders.student_updated(u, actor_for(owner))]
    )

    assert update.student.external_id == "SIS-0001"
    assert update.student.updated_at == request.at
    assert len(await repos.outbox()) == 1


async def test_an_update_setting_the_external_id_it_has_writes_nothing(repos: Repos) -> None:
    owner = unique_user()
    created = await add_student(repos, owner, external_id="SIS-0001")

    update = await repos.students.update(
        owner,
        created.id,
        changes(external_id="SIS-0001"),
        lambda u: [event_builders.student_updated(u, actor_for(owner))],
    )

    assert update.student == created
    assert await repos.students.get(owner, created.id) == created
    assert await repos.outbox() == []


async def test_update_raises_duplicate_external_id_and_writes_nothing(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    await add_student(repos, owner, external_id="SIS-0001")
    other = await add_student(repos, owner, "Grace", "Hopper", external_id="SIS-0002")
    request = changes(("Amazing", "Grace", "Amazing Grace"), add=[school_class.id], external_id="SIS-0001")

    with pytest.raises(DuplicateStudentExternalIdError):
        await repos.students.update(
            owner, other.id, request, lambda u: [event_builders.student_updated(u, actor_for(owner))]
        )

    assert await repos.students.get(owner, other.id) == other
    assert (await repos.classes.get(owner, school_class.id)).student_count == 0
    assert await repos.outbox() == []


async def test_a_cleared_external_id_is_free_for_another_student(repos: Repos) -> None:
    owner = unique_user()
    first = await add_student(repos, owner, external_id="SIS-0001")
    second = await add_student(repos, owner, "Grace", "Hopper")
    await repos.students.update(owner, first.id, changes(external_id=None), no_events)

    await repos.students.update(owner, second.id, changes(external_id="SIS-0001"), no_events)

    assert (await repos.students.get(owner, second.id)).external_id == "SIS-0001"
    assert (await repos.students.get(owner, first.id)).external_id is None


async def test_concurrent_creates_with_one_external_id_let_exactly_one_through(repos: Repos) -> None:
    owner = unique_user()
    attempts = [new_student(owner, f"Ada{n}", external_id="SIS-0001") for n in range(4)]

    results = await asyncio.gather(
        *(repos.students.create(new, no_events) for new in attempts), return_exceptions=True
    )

    assert sum(isinstance(r, Student) for r in results) == 1
    assert sum(isinstance(r, DuplicateStudentExternalIdError) for r in results) == 3
