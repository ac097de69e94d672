"""Class-side enrolment on every backend: add, remove and move, each student judged as a PUT would."""

from __future__ import annotations

from class_management_service.domain.events import STUDENT_UPDATED_TOPIC, OutboxEvent
from class_management_service.domain.roster import RosterAction, RosterOutcome
from tests.conftest import unique_user
from tests.contract.conftest import Repos, StoredEvent, add_class, add_student, moment
from tests.contract.roster_helpers import change, class_ids_of, updated_at_of, updated_events


def _memberships(events: list[StoredEvent]) -> list[tuple[str, object, object]]:
    """(student, added, removed) of each StudentUpdatedV1 in the outbox, in order."""
    return [
        (str(aggregate), envelope["data"]["add_class_ids"], envelope["data"]["remove_class_ids"])
        for topic, aggregate, _, envelope in events
        if topic == STUDENT_UPDATED_TOPIC
    ]


async def test_add_enrols_new_students_and_leaves_those_already_in_the_class_alone(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    member = await add_student(repos, owner, "Ann", class_ids=[school_class.id])
    first = await add_student(repos, owner, "Bea")
    second = await add_student(repos, owner, "Cid")
    request = change(owner, RosterAction.ADD, school_class.id, [second.id, member.id, first.id, second.id])

    outcome = await repos.roster.change_roster(request, updated_events(owner))

    assert outcome.changed_student_ids == (second.id, first.id)
    assert outcome.unchanged_student_ids == (member.id,)
    for student in (member, first, second):
        assert await class_ids_of(repos, owner, student.id) == (school_class.id,)
    assert await updated_at_of(repos, owner, first.id) == request.at
    assert await updated_at_of(repos, owner, member.id) == member.updated_at
    assert _memberships(await repos.outbox()) == [
        (str(second.id), [str(school_class.id)], []),
        (str(first.id), [str(school_class.id)], []),
    ]
    assert (await repos.classes.get(owner, school_class.id)).student_count == 3


async def test_remove_takes_members_out_and_ignores_students_not_in_the_class(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    other_class = await add_class(repos, owner, "7B")
    member = await add_student(repos, owner, "Ann", class_ids=[other_class.id, school_class.id])
    outsider = await add_student(repos, owner, "Bea", class_ids=[other_class.id])
    request = change(owner, RosterAction.REMOVE, school_class.id, [outsider.id, member.id])

    outcome = await repos.roster.change_roster(request, updated_events(owner))

    assert (outcome.changed_student_ids, outcome.unchanged_student_ids) == ((member.id,), (outsider.id,))
    assert await class_ids_of(repos, owner, member.id) == (other_class.id,)
    assert await class_ids_of(repos, owner, outsider.id) == (other_class.id,)
    assert await updated_at_of(repos, owner, member.id) == request.at
    assert await updated_at_of(repos, owner, outsider.id) == outsider.updated_at
    assert _memberships(await repos.outbox()) == [(str(member.id), [], [str(school_class.id)])]


async def test_move_is_into_the_target_and_out_of_the_source_for_each_student(repos: Repos) -> None:
    owner = unique_user()
    source = await add_class(repos, owner, "7A")
    target = await add_class(repos, owner, "7B")
    kept = await add_class(repos, owner, "Choir")
    mover = await add_student(repos, owner, "Ann", class_ids=[kept.id, source.id])
    in_both = await add_student(repos, owner, "Bea", class_ids=[source.id, target.id])
    in_neither = await add_student(repos, owner, "Cid")
    arrived = await add_student(repos, owner, "Dee", class_ids=[target.id])
    ids = [mover.id, in_both.id, in_neither.id, arrived.id]
    request = change(owner, RosterAction.MOVE, source.id, ids, to_class_id=target.id)

    outcome = await repos.roster.change_roster(request, updated_events(owner))

    assert outcome.changed_student_ids == (mover.id, in_both.id, in_neither.id)
    assert outcome.unchanged_student_ids == (arrived.id,)
    assert await class_ids_of(repos, owner, mover.id) == (kept.id, target.id)
    for student in (in_both, in_neither, arrived):
        assert await class_ids_of(repos, owner, student.id) == (target.id,)
    assert await updated_at_of(repos, owner, arrived.id) == arrived.updated_at
    assert _memberships(await repos.outbox()) == [
        (str(mover.id), [str(target.id)], [str(source.id)]),
        (str(in_both.id), [], [str(source.id)]),
        (str(in_neither.id), [str(target.id)], []),
    ]
    assert (await repos.classes.get(owner, source.id)).student_count == 0


async def test_a_change_that_changes_no_student_writes_nothing_and_asks_no_events(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    member = await add_student(repos, owner, class_ids=[school_class.id])
    asked: list[RosterOutcome] = []

    def events(outcome: RosterOutcome) -> list[OutboxEvent]:
        asked.append(outcome)
        return []

    add = change(owner, RosterAction.ADD, school_class.id, [member.id])
    outcome = await repos.roster.change_roster(add, events)
    await repos.roster.change_roster(change(owner, RosterAction.REMOVE, school_class.id, [member.id]), events)
    again = change(owner, RosterAction.REMOVE, school_class.id, [member.id], at=moment())
    repeated = await repos.roster.change_roster(again, updated_events(owner))

    assert outcome.changed_student_ids == ()
    assert repeated.changed_student_ids == ()
    assert repeated.unchanged_student_ids == (member.id,)
    assert len(asked) == 1  # only the first remove changed anything
    assert await repos.outbox() == []
    assert await class_ids_of(repos, owner, member.id) == ()
