"""The class's placeholder student stays in the class while the timeout gives it essays.

Rule: a placeholder the teacher took out of the class is found again (not created twice) and
enrolled again when a later timeout gives it essays, so every essay decided for it stays visible
in the class's roster and its student list.
"""

from __future__ import annotations

from class_management_service.domain.models import UNSET, PageRequest, StudentChanges, StudentFilter
from tests.conftest import unique_user
from tests.contract.association_backends import (
    POLICY,
    AssociationRepos,
    Roster,
    candidate,
    essay_ids,
    listed,
    moment,
    no_events,
    of_topic,
    roster,
    suggestions,
    timeout_events,
)


async def _expire_one_unmatched_essay(associations: AssociationRepos, room: Roster) -> str:
    """A batch whose only essay nobody confidently wrote, expired: the placeholder gets it."""
    [essay_id] = essay_ids(1)
    event = suggestions(room.class_id, listed(essay_id, candidate(room.students[0], 0.2)))
    await associations.associations.ingest(event, no_events)
    await associations.associations.decide_expired(event.deadline, POLICY, timeout_events)
    return essay_id


async def _member_ids(associations: AssociationRepos, room: Roster) -> set[object]:
    """The class's students as the roster (NLP) and the student list (teacher) show them."""
    on_roster = {entry.student_id for entry in await associations.classes.roster(room.class_id, room.owner)}
    listed_ = await associations.students.list(
        room.owner, PageRequest(limit=100), StudentFilter(class_id=room.class_id)
    )
    assert {student.id for student in listed_.items} == on_roster
    return set(on_roster)


async def test_a_placeholder_taken_out_of_the_class_is_enrolled_again_by_the_next_timeout(
    associations: AssociationRepos,
) -> None:
    room = await roster(associations, unique_user(), "Ada")
    first = await _expire_one_unmatched_essay(associations, room)
    placeholder_id = (await associations.associations.essay(first)).student_id
    assert placeholder_id is not None
    assert placeholder_id in await _member_ids(associations, room)
    taken_out = StudentChanges(None, None, None, UNSET, (), (room.class_id,), moment())
    await associations.students.update(room.owner, placeholder_id, taken_out, no_events)
    assert placeholder_id not in await _member_ids(associations, room)

    second = await _expire_one_unmatched_essay(associations, room)

    assert (await associations.associations.essay(second)).student_id == placeholder_id
    assert await _member_ids(associations, room) == {room.students[0].id, placeholder_id}
    placeholder = await associations.students.get(room.owner, placeholder_id)
    assert placeholder.class_ids == (room.class_id,)
    created = of_topic(await associations.outbox(), "huleedu.class.student.created.v1")
    assert [event[1] for event in created] == [placeholder_id]  # created once, found again after
