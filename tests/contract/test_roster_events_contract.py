"""Roster changes announce each changed student exactly as a student PUT would, on every backend."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from class_management_service.domain.association_events import TEACHER_NOTIFICATION_TOPIC
from class_management_service.domain.class_notifications import STUDENT_ADDED
from class_management_service.domain.events import STUDENT_UPDATED_TOPIC
from class_management_service.domain.models import UNSET
from class_management_service.domain.roster import RosterAction
from class_management_service.services.roster_service import ClassRosterService
from class_management_service.services.student_service import StudentService
from tests.conftest import unique_user
from tests.contract.conftest import Repos, StoredEvent, actor_for, add_class, add_student
from tests.fakes import CountingMetrics, FakeClock


def _as_seen_by_consumers(events: list[StoredEvent], student_id: UUID) -> list[dict[str, Any]]:
    """The student's events, their id and each event's own id blanked: what two twins share."""
    seen = []
    for topic, aggregate, user_id, envelope in events:
        if str(aggregate) == str(student_id):
            rest = {key: value for key, value in envelope.items() if key != "event_id"}
            text = json.dumps({"topic": topic, "user_id": user_id, **rest}).replace(str(student_id), "<id>")
            seen.append(json.loads(text))
    return seen


async def test_a_moved_student_gets_the_events_a_put_with_the_same_class_ids_sends(repos: Repos) -> None:
    owner = unique_user()
    actor, clock = actor_for(owner), FakeClock()
    source, target = await add_class(repos, owner, "7A"), await add_class(repos, owner, "7B")
    moved = await add_student(repos, owner, "Ann", "Lee", class_ids=[source.id])
    edited = await add_student(repos, owner, "Ann", "Lee", class_ids=[source.id])
    roster = ClassRosterService(repos.roster, repos.classes, clock)
    students = StudentService(repos.students, repos.classes, clock, CountingMetrics())

    await roster.change_roster(actor, RosterAction.MOVE, source.id, [moved.id], target.id)
    await students.update_student(actor, edited.id, None, UNSET, [target.id], [source.id])

    events = await repos.outbox()
    by_roster, by_put = _as_seen_by_consumers(events, moved.id), _as_seen_by_consumers(events, edited.id)
    assert [event["topic"] for event in by_roster] == [STUDENT_UPDATED_TOPIC, TEACHER_NOTIFICATION_TOPIC]
    assert by_roster == by_put
    assert by_roster[0]["data"]["add_class_ids"] == [str(target.id)]
    assert by_roster[0]["data"]["remove_class_ids"] == [str(source.id)]
    assert by_roster[1]["data"]["notification_type"] == STUDENT_ADDED
    assert (await repos.students.get(owner, moved.id)).updated_at == clock.now()


async def test_a_removed_student_gets_only_the_update_and_an_unchanged_one_nothing(repos: Repos) -> None:
    owner = unique_user()
    actor = actor_for(owner)
    school_class = await add_class(repos, owner)
    member = await add_student(repos, owner, "Ann", class_ids=[school_class.id])
    outsider = await add_student(repos, owner, "Bea")
    roster = ClassRosterService(repos.roster, repos.classes, FakeClock())

    await roster.change_roster(actor, RosterAction.REMOVE, school_class.id, [member.id, outsider.id])

    events = await repos.outbox()
    assert [(topic, str(aggregate)) for topic, aggregate, _, _ in events] == [
        (STUDENT_UPDATED_TOPIC, str(member.id))
    ]
