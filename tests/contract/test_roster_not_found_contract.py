"""Class-side enrolment is all or nothing on every backend: one unknown id is a 404 naming all."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from class_management_service.domain.idempotency import IdempotencyClaim, IdempotentWrite, StoredResponse
from class_management_service.domain.roster import RosterAction, RosterOutcome
from class_management_service.domain.roster_errors import RosterTargetsNotFoundError
from tests.conftest import unique_user
from tests.contract.conftest import Repos, add_class, add_student, explode, moment
from tests.contract.roster_helpers import change, class_ids_of, updated_at_of, updated_events


async def test_unknown_and_foreign_ids_are_all_named_and_nothing_is_written(repos: Repos) -> None:
    owner, stranger = unique_user(), unique_user()
    source = await add_class(repos, owner, "7A")
    foreign_class = await add_class(repos, stranger, "9C")
    mine = await add_student(repos, owner, "Ann", class_ids=[source.id])
    foreign = await add_student(repos, stranger, "Zed")
    unknown = uuid.uuid4()
    request = change(owner, RosterAction.MOVE, source.id, [unknown, mine.id, foreign.id], foreign_class.id)

    with pytest.raises(RosterTargetsNotFoundError) as raised:
        await repos.roster.change_roster(request, updated_events(owner))

    assert raised.value.code == "CLASS_NOT_FOUND"
    assert raised.value.details == {
        "class_ids": [str(foreign_class.id)],
        "student_ids": [str(unknown), str(foreign.id)],
    }
    assert await class_ids_of(repos, owner, mine.id) == (source.id,)
    assert await updated_at_of(repos, owner, mine.id) == mine.updated_at
    assert await repos.outbox() == []


async def test_a_foreign_class_is_not_found_even_when_every_student_is_known(repos: Repos) -> None:
    owner, stranger = unique_user(), unique_user()
    foreign_class = await add_class(repos, stranger)
    mine = await add_student(repos, owner)

    with pytest.raises(RosterTargetsNotFoundError) as raised:
        await repos.roster.change_roster(
            change(owner, RosterAction.ADD, foreign_class.id, [mine.id]), updated_events(owner)
        )

    assert raised.value.details == {"class_ids": [str(foreign_class.id)], "student_ids": []}
    assert await class_ids_of(repos, owner, mine.id) == ()
    assert (await repos.classes.get(stranger, foreign_class.id)).student_count == 0


@pytest.mark.parametrize("is_foreign", [True, False], ids=["foreign", "unknown"])
async def test_a_missing_student_is_student_not_found_and_the_others_stay_as_they_were(
    repos: Repos, is_foreign: bool
) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    mine = await add_student(repos, owner)
    missing = (await add_student(repos, unique_user())).id if is_foreign else uuid.uuid4()

    with pytest.raises(RosterTargetsNotFoundError) as raised:
        await repos.roster.change_roster(
            change(owner, RosterAction.ADD, school_class.id, [mine.id, missing]), updated_events(owner)
        )

    assert raised.value.code == "STUDENT_NOT_FOUND"
    assert raised.value.details == {"class_ids": [], "student_ids": [str(missing)]}
    assert await class_ids_of(repos, owner, mine.id) == ()
    assert await repos.outbox() == []


async def test_a_failing_event_builder_leaves_every_membership_as_it_was(repos: Repos) -> None:
    owner = unique_user()
    source, target = await add_class(repos, owner, "7A"), await add_class(repos, owner, "7B")
    first = await add_student(repos, owner, "Ann", class_ids=[source.id])
    second = await add_student(repos, owner, "Bea", class_ids=[source.id])

    with pytest.raises(RuntimeError):
        await repos.roster.change_roster(
            change(owner, RosterAction.MOVE, source.id, [first.id, second.id], target.id), explode
        )

    for student in (first, second):
        assert await class_ids_of(repos, owner, student.id) == (source.id,)
        assert await updated_at_of(repos, owner, student.id) == student.updated_at
    assert await repos.outbox() == []


async def test_the_key_is_completed_with_the_response_in_the_same_transaction(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    student = await add_student(repos, owner)
    claim = IdempotencyClaim(owner, "roster-key", "a" * 64, moment())
    await repos.keys.claim(claim)
    key: IdempotentWrite[RosterOutcome] = IdempotentWrite(
        claim, lambda outcome: StoredResponse(200, ",".join(map(str, outcome.changed_student_ids)))
    )

    await repos.roster.change_roster(
        change(owner, RosterAction.ADD, school_class.id, [student.id]), updated_events(owner), key=key
    )

    stored = await repos.keys.claim(
        IdempotencyClaim(owner, "roster-key", "a" * 64, claim.at + timedelta(seconds=1))
    )
    assert stored is not None
    assert stored.response == StoredResponse(200, str(student.id))
