"""Partial updates on every backend: names merged without loss; an update changing nothing writes nothing."""

from __future__ import annotations

import uuid
from dataclasses import replace

import pytest

from class_management_service.domain.errors import ClassNotFoundError, EmptyNameError
from class_management_service.domain.models import ClassChanges, StudentChanges, StudentUpdate
from tests.conftest import unique_user
from tests.contract.conftest import Repos, add_class, add_student, changes, explode, moment


def rename(first: str | None = None, last: str | None = None, legal: str | None = None) -> StudentChanges:
    return replace(changes(at=moment()), first_name=first, last_name=last, legal_full_name=legal)


@pytest.mark.parametrize(
    ("request_names", "expected"),
    [
        ((None, "Byron", None), ("Ada", "Byron", "Ada Byron")),
        (("Augusta", None, None), ("Augusta", "Lovelace", "Augusta Lovelace")),
        ((None, None, "Augusta Ada King"), ("Ada", "Lovelace", "Augusta Ada King")),
        (("", None, None), ("", "Lovelace", "Lovelace")),
    ],
)
async def test_each_name_may_be_sent_alone_and_a_default_legal_name_follows_the_name(
    repos: Repos, request_names: tuple[str | None, ...], expected: tuple[str, str, str]
) -> None:
    owner = unique_user()
    created = await add_student(repos, owner, "Ada", "Lovelace")
    request = rename(*request_names)

    update = await repos.students.update(owner, created.id, request, lambda _: [])

    stored = await repos.students.get(owner, created.id)
    assert (stored.first_name, stored.last_name, stored.legal_full_name) == expected
    assert update.student == stored
    assert stored.updated_at == request.at


@pytest.mark.parametrize(
    "request_names", [("Bobby", None, None), ("Bobby", "Smythe", None), (None, "", None)]
)
async def test_an_explicitly_set_legal_name_survives_a_rename(
    repos: Repos, request_names: tuple[str | None, ...]
) -> None:
    owner = unique_user()
    created = await add_student(repos, owner, "Robert", "Smith", legal_full_name="Robert James Smith")

    await repos.students.update(owner, created.id, rename(*request_names), lambda _: [])

    assert (await repos.students.get(owner, created.id)).legal_full_name == "Robert James Smith"


async def test_a_legal_name_set_to_the_new_default_follows_later_renames(repos: Repos) -> None:
    owner = unique_user()
    created = await add_student(repos, owner, "Robert", "Smith", legal_full_name="Robert James Smith")
    await repos.students.update(owner, created.id, rename(legal="Robert Smith"), lambda _: [])

    await repos.students.update(owner, created.id, rename(first="Bob"), lambda _: [])

    assert (await repos.students.get(owner, created.id)).legal_full_name == "Bob Smith"


async def test_a_rename_that_leaves_no_name_raises_and_writes_nothing(repos: Repos) -> None:
    owner = unique_user()
    created = await add_student(repos, owner, "", "Lovelace")

    with pytest.raises(EmptyNameError):
        await repos.students.update(owner, created.id, rename(last=""), explode)

    assert await repos.students.get(owner, created.id) == created
    assert await repos.outbox() == []


@pytest.mark.parametrize(
    "case", ["nothing", "same names", "same email", "remove a class not joined", "add a class joined"]
)
async def test_a_student_update_that_changes_nothing_writes_nothing(repos: Repos, case: str) -> None:
    owner = unique_user()
    joined, other = await add_class(repos, owner), await add_class(repos, owner)
    created = await add_student(
        repos, owner, "Ada", "Lovelace", "Ada@example.com", class_ids=[joined.id], legal_full_name="A. L."
    )
    request = {
        "nothing": changes(),
        "same names": changes(("Ada", "Lovelace", "A. L.")),
        "same email": changes(email="Ada@example.com"),
        "remove a class not joined": changes(remove=[other.id]),
        "add a class joined": changes(add=[joined.id]),
    }[case]

    update = await repos.students.update(owner, created.id, request, explode)  # no events asked for

    assert update == StudentUpdate(created, (), ())
    assert await repos.students.get(owner, created.id) == created
    assert (await repos.classes.get(owner, other.id)).student_count == 0
    assert await repos.outbox() == []


@pytest.mark.parametrize("case", ["nothing", "same name", "same course", "same name and course"])
async def test_a_class_update_that_changes_nothing_writes_nothing(repos: Repos, case: str) -> None:
    owner = unique_user()
    created = await add_class(repos, owner, name="7A", course_code="SV2")
    await add_student(repos, owner, class_ids=[created.id])
    name, course_code = {
        "nothing": (None, None),
        "same name": ("7A", None),
        "same course": (None, "SV2"),
        "same name and course": ("7A", "SV2"),
    }[case]

    updated = await repos.classes.update(
        owner, created.id, ClassChanges(name, course_code, moment()), explode
    )

    stored = await repos.classes.get(owner, created.id)
    assert updated == stored == replace(created, student_count=1)
    assert await repos.outbox() == []


async def test_a_foreign_or_unknown_class_to_remove_raises_naming_it_and_writes_nothing(repos: Repos) -> None:
    owner = unique_user()
    joined, own = await add_class(repos, owner), await add_class(repos, owner)
    foreign, unknown = await add_class(repos, unique_user()), uuid.uuid4()
    created = await add_student(repos, owner, email="ada@example.com", class_ids=[joined.id])
    request = changes(
        ("New", "Name", "New Name"), None, add=[own.id], remove=[joined.id, foreign.id, unknown]
    )

    with pytest.raises(ClassNotFoundError) as raised:
        await repos.students.update(owner, created.id, request, explode)

    assert raised.value.details == {"class_ids": [str(foreign.id), str(unknown)]}
    assert await repos.students.get(owner, created.id) == created
    assert [(await repos.classes.get(owner, c.id)).student_count for c in (joined, own)] == [1, 0]
    assert await repos.outbox() == []
