"""What every ClassRepositoryProtocol implementation promises, with expected values written by hand."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from class_management_service.domain import event_builders
from class_management_service.domain.errors import ClassNotFoundError, CourseNotFoundError
from class_management_service.domain.models import (
    ClassChanges,
    Course,
    PageRequest,
    RosterEntry,
    SchoolClass,
)
from tests.conftest import unique_user
from tests.contract.conftest import (
    Repos,
    actor_for,
    add_class,
    add_student,
    assert_envelope,
    created_class_events,
    explode,
    moment,
    new_class,
    no_events,
)

ENGLISH_5 = Course("ENG5", "English 5", "en")
SVENSKA_2 = Course("SV2", "Svenska 2", "sv")


async def test_create_returns_the_class_with_its_course_and_no_students(repos: Repos) -> None:
    owner, at = unique_user(), moment()
    new = new_class(owner, name="7A", course_code="ENG5", at=at)

    created = await repos.classes.create(new, no_events)

    assert created == SchoolClass(new.id, "7A", ENGLISH_5, 0, owner, at, at)
    assert await repos.classes.get(owner, new.id) == created


@pytest.mark.parametrize(
    ("code", "course"),
    [
        ("ENG5", Course("ENG5", "English 5", "en")),
        ("ENG6", Course("ENG6", "English 6", "en")),
        ("ENG7", Course("ENG7", "English 7", "en")),
        ("SV1", Course("SV1", "Svenska 1", "sv")),
        ("SV2", Course("SV2", "Svenska 2", "sv")),
        ("SV3", Course("SV3", "Svenska 3", "sv")),
    ],
)
async def test_create_binds_each_reference_course(repos: Repos, code: str, course: Course) -> None:
    created = await add_class(repos, unique_user(), course_code=code)

    assert created.course == course


async def test_create_raises_course_not_found_and_writes_nothing_when_code_is_unknown(repos: Repos) -> None:
    owner = unique_user()

    with pytest.raises(CourseNotFoundError) as raised:
        await repos.classes.create(
            new_class(owner, course_code="MATH1"), created_class_events(actor_for(owner))
        )

    assert raised.value.details["missing_course_codes"] == ["MATH1"]
    assert (await repos.classes.list(owner, PageRequest())).total == 0
    assert await repos.outbox() == []


async def test_create_writes_nothing_when_the_event_builder_fails(repos: Repos) -> None:
    owner = unique_user()
    new = new_class(owner)

    with pytest.raises(RuntimeError):
        await repos.classes.create(new, explode)

    with pytest.raises(ClassNotFoundError):
        await repos.classes.get(owner, new.id)
    assert await repos.outbox() == []


async def test_create_records_one_class_created_event(repos: Repos) -> None:
    owner, at = unique_user(), moment()
    actor = actor_for(owner)
    new = new_class(owner, name="8B", course_code="SV2", at=at)

    await repos.classes.create(new, created_class_events(actor))

    [(topic, aggregate_id, user_id, envelope)] = await repos.outbox()
    assert (topic, aggregate_id, user_id) == ("huleedu.class.created.v1", new.id, owner)
    expected = {
        "event": "class.created",
        "class_id": str(new.id),
        "class_designation": "8B",
        "course_codes": ["SV2"],
        "user_id": owner,
        "correlation_id": str(actor.correlation_id),
    }
    assert_envelope(envelope, "huleedu.class.created.v1", actor, at, expected)


async def test_get_raises_class_not_found_when_class_is_missing(repos: Repos) -> None:
    missing = uuid.uuid4()

    with pytest.raises(ClassNotFoundError) as raised:
        await repos.classes.get(unique_user(), missing)

    assert raised.value.details == {"class_ids": [str(missing)]}


async def test_get_raises_class_not_found_when_class_belongs_to_another_teacher(repos: Repos) -> None:
    created = await add_class(repos, unique_user())

    with pytest.raises(ClassNotFoundError) as raised:
        await repos.classes.get(unique_user(), created.id)

    assert raised.value.details == {"class_ids": [str(created.id)]}


async def test_get_counts_the_students_enrolled(repos: Repos) -> None:
    owner = unique_user()
    enrolled, empty = await add_class(repos, owner), await add_class(repos, owner)
    await add_student(repos, owner, class_ids=[enrolled.id])
    await add_student(repos, owner, class_ids=[enrolled.id])

    assert (await repos.classes.get(owner, enrolled.id)).student_count == 2
    assert (await repos.classes.get(owner, empty.id)).student_count == 0


async def test_list_returns_only_the_teachers_classes_newest_first(repos: Repos) -> None:
    owner = unique_user()
    oldest = await add_class(repos, owner, name="oldest")
    await add_class(repos, unique_user(), name="someone else's")
    middle = await add_class(repos, owner, name="middle")
    newest = await add_class(repos, owner, name="newest")

    page = await repos.classes.list(owner, PageRequest())

    assert [c.name for c in page.items] == ["newest", "middle", "oldest"]
    assert list(page.items) == [newest, middle, oldest]
    assert page.total == 3
    assert page.request == PageRequest()


async def test_list_breaks_equal_created_at_by_id_descending(repos: Repos) -> None:
    owner, at = unique_user(), moment()
    ids = sorted(uuid.uuid4() for _ in range(3))
    for class_id in (ids[1], ids[0], ids[2]):
        await repos.classes.create(new_class(owner, at=at, class_id=class_id), no_events)
    newer = await add_class(repos, owner)

    page = await repos.classes.list(owner, PageRequest())

    assert [c.id for c in page.items] == [newer.id, ids[2], ids[1], ids[0]]


async def test_list_counts_students_per_class(repos: Repos) -> None:
    owner = unique_user()
    first, second = await add_class(repos, owner), await add_class(repos, owner)
    await add_student(repos, owner, class_ids=[first.id, second.id])
    await add_student(repos, owner, class_ids=[second.id])

    page = await repos.classes.list(owner, PageRequest())

    assert [(c.id, c.student_count) for c in page.items] == [(second.id, 2), (first.id, 1)]


async def test_list_pages_by_offset_and_reports_the_total(repos: Repos) -> None:
    owner = unique_user()
    created = [await add_class(repos, owner, name=f"class {n}") for n in range(5)]
    request = PageRequest(limit=2, offset=2)

    page = await repos.classes.list(owner, request)

    assert [c.name for c in page.items] == ["class 2", "class 1"]
    assert list(page.items) == [created[2], created[1]]
    assert page.total == 5
    assert page.request == request


async def test_list_returns_no_items_past_the_end_but_still_the_total(repos: Repos) -> None:
    owner = unique_user()
    await add_class(repos, owner)

    page = await repos.classes.list(owner, PageRequest(limit=10, offset=5))

    assert list(page.items) == []
    assert page.total == 1


async def test_list_pages_by_keyset_strictly_after_the_cursor(repos: Repos) -> None:
    owner = unique_user()
    created = [await add_class(repos, owner, name=f"class {n}") for n in range(5)]
    cursor = (created[3].created_at, created[3].id)

    page = await repos.classes.list(owner, PageRequest(limit=2, after=cursor))

    assert [c.name for c in page.items] == ["class 2", "class 1"]
    assert page.total == 5


async def test_list_keyset_continues_within_equal_created_at_by_id(repos: Repos) -> None:
    owner, at = unique_user(), moment()
    ids = sorted(uuid.uuid4() for _ in range(3))
    for class_id in ids:
        await repos.classes.create(new_class(owner, at=at, class_id=class_id), no_events)

    page = await repos.classes.list(owner, PageRequest(limit=10, after=(at, ids[2])))

    assert [c.id for c in page.items] == [ids[1], ids[0]]


async def test_update_renames_the_class_and_keeps_its_course_when_only_name_is_given(repos: Repos) -> None:
    owner, created_at, updated_at = unique_user(), moment(), moment()
    created = await add_class(repos, owner, name="7A", course_code="ENG5", at=created_at)
    await add_student(repos, owner, class_ids=[created.id])

    updated = await repos.classes.update(owner, created.id, ClassChanges("7B", None, updated_at), no_events)

    assert updated == SchoolClass(created.id, "7B", ENGLISH_5, 1, owner, created_at, updated_at)
    assert await repos.classes.get(owner, created.id) == updated


async def test_update_changes_the_course_and_keeps_the_name_when_only_course_is_given(repos: Repos) -> None:
    owner, created_at, updated_at = unique_user(), moment(), moment()
    created = await add_class(repos, owner, name="7A", at=created_at)

    updated = await repos.classes.update(owner, created.id, ClassChanges(None, "SV2", updated_at), no_events)

    assert updated == SchoolClass(created.id, "7A", SVENSKA_2, 0, owner, created_at, updated_at)
    assert await repos.classes.get(owner, created.id) == updated


async def test_update_raises_course_not_found_and_writes_nothing(repos: Repos) -> None:
    owner = unique_user()
    created = await add_class(repos, owner, name="7A")

    with pytest.raises(CourseNotFoundError):
        await repos.classes.update(owner, created.id, ClassChanges("7B", "NOPE", moment()), no_events)

    assert await repos.classes.get(owner, created.id) == created


async def test_update_raises_class_not_found_and_writes_nothing_for_another_teachers_class(
    repos: Repos,
) -> None:
    owner, intruder = unique_user(), unique_user()
    created = await add_class(repos, owner)

    with pytest.raises(ClassNotFoundError):
        await repos.classes.update(
            intruder,
            created.id,
            ClassChanges("taken", None, moment()),
            created_class_events(actor_for(intruder)),
        )

    assert await repos.classes.get(owner, created.id) == created
    assert await repos.outbox() == []


async def test_update_writes_nothing_when_the_event_builder_fails(repos: Repos) -> None:
    owner = unique_user()
    created = await add_class(repos, owner)

    with pytest.raises(RuntimeError):
        await repos.classes.update(owner, created.id, ClassChanges("7B", "SV1", moment()), explode)

    assert await repos.classes.get(owner, created.id) == created
    assert await repos.outbox() == []


async def test_update_records_one_class_updated_event(repos: Repos) -> None:
    owner = unique_user()
    actor = actor_for(owner)
    created = await add_class(repos, owner, name="7A", course_code="ENG5")
    updated_at = moment()

    await repos.classes.update(
        owner,
        created.id,
        ClassChanges("7B", None, updated_at),
        lambda c: [event_builders.class_updated(c, actor)],
    )

    [(topic, aggregate_id, user_id, envelope)] = await repos.outbox()
    assert (topic, aggregate_id, user_id) == ("huleedu.class.updated.v1", created.id, owner)
    expected = {
        "event": "class.updated",
        "class_id": str(created.id),
        "class_designation": "7B",
        "course_codes": ["ENG5"],
        "user_id": owner,
        "correlation_id": str(actor.correlation_id),
    }
    assert_envelope(envelope, "huleedu.class.updated.v1", actor, updated_at, expected)


async def test_delete_removes_the_class_and_its_memberships_but_keeps_the_students(repos: Repos) -> None:
    owner = unique_user()
    doomed, kept = await add_class(repos, owner), await add_class(repos, owner)
    both = await add_student(repos, owner, first_name="Both", class_ids=[doomed.id, kept.id])
    only = await add_student(repos, owner, first_name="Only", class_ids=[doomed.id])

    deleted = await repos.classes.delete(owner, doomed.id, no_events, at=datetime.now(UTC))

    assert deleted.school_class.id == doomed.id
    assert deleted.school_class.student_count == 2
    assert sorted(deleted.removed_student_ids) == sorted([both.id, only.id])
    with pytest.raises(ClassNotFoundError):
        await repos.classes.get(owner, doomed.id)
    assert (await repos.students.get(owner, both.id)).class_ids == (kept.id,)
    assert (await repos.students.get(owner, only.id)).class_ids == ()
    assert (await repos.classes.get(owner, kept.id)).student_count == 1
    with pytest.raises(ClassNotFoundError):
        await repos.classes.roster(doomed.id, None)


async def test_delete_raises_class_not_found_and_keeps_the_class_of_another_teacher(repos: Repos) -> None:
    owner = unique_user()
    created = await add_class(repos, owner)

    with pytest.raises(ClassNotFoundError):
        await repos.classes.delete(unique_user(), created.id, no_events, at=datetime.now(UTC))

    assert await repos.classes.get(owner, created.id) == created
    assert await repos.outbox() == []


async def test_delete_writes_nothing_when_the_event_builder_fails(repos: Repos) -> None:
    owner = unique_user()
    created = await add_class(repos, owner)
    student = await add_student(repos, owner, class_ids=[created.id])

    with pytest.raises(RuntimeError):
        await repos.classes.delete(owner, created.id, explode, at=datetime.now(UTC))

    assert (await repos.classes.get(owner, created.id)).student_count == 1
    assert (await repos.students.get(owner, student.id)).class_ids == (created.id,)
    assert await repos.outbox() == []


async def test_delete_records_one_class_deleted_event_naming_the_removed_students(repos: Repos) -> None:
    owner = unique_user()
    actor = actor_for(owner)
    created = await add_class(repos, owner)
    student = await add_student(repos, owner, class_ids=[created.id])
    deleted_at = moment()

    await repos.classes.delete(
        owner,
        created.id,
        lambda d: [event_builders.class_deleted(d, actor, deleted_at)],
        at=datetime.now(UTC),
    )

    [(topic, aggregate_id, user_id, envelope)] = await repos.outbox()
    assert (topic, aggregate_id, user_id) == ("huleedu.class.deleted.v1", created.id, owner)
    expected = {
        "event": "class.deleted",
        "class_id": str(created.id),
        "user_id": owner,
        "removed_student_ids": [str(student.id)],
        "correlation_id": str(actor.correlation_id),
    }
    assert_envelope(envelope, "huleedu.class.deleted.v1", actor, deleted_at, expected)


async def test_roster_orders_students_by_last_name_then_first_name_then_id(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    other_class = await add_class(repos, owner)
    names = [("Cleo", "Berg"), ("Ada", "Berg"), ("Bo", "Ahl"), ("Ada", "Berg"), ("Dan", "Ek")]
    students = [
        await add_student(repos, owner, first_name=first, last_name=last, class_ids=[school_class.id])
        for first, last in names
    ]
    await add_student(repos, owner, first_name="Not", last_name="Enrolled", class_ids=[other_class.id])
    twins = sorted([students[1], students[3]], key=lambda s: s.id)

    roster = await repos.classes.roster(school_class.id, owner)

    assert [(e.first_name, e.last_name) for e in roster] == [
        ("Bo", "Ahl"),
        ("Ada", "Berg"),
        ("Ada", "Berg"),
        ("Cleo", "Berg"),
        ("Dan", "Ek"),
    ]
    assert [e.student_id for e in roster] == [
        students[2].id,
        twins[0].id,
        twins[1].id,
        students[0].id,
        students[4].id,
    ]


async def test_roster_entries_carry_legal_name_and_email(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    student = await add_student(
        repos,
        owner,
        legal_full_name="Augusta Ada King",
        email="ada@example.com",
        class_ids=[school_class.id],
    )

    [entry] = await repos.classes.roster(school_class.id, owner)

    assert entry == RosterEntry(student.id, "Ada", "Lovelace", "Augusta Ada King", "ada@example.com")


async def test_roster_raises_class_not_found_for_another_teacher(repos: Repos) -> None:
    school_class = await add_class(repos, unique_user())

    with pytest.raises(ClassNotFoundError):
        await repos.classes.roster(school_class.id, unique_user())


async def test_roster_serves_a_trusted_internal_caller_without_owner(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    student = await add_student(repos, owner, class_ids=[school_class.id])

    roster = await repos.classes.roster(school_class.id, None)

    assert [e.student_id for e in roster] == [student.id]


async def test_roster_raises_class_not_found_for_a_missing_class_even_for_internal_callers(
    repos: Repos,
) -> None:
    with pytest.raises(ClassNotFoundError):
        await repos.classes.roster(uuid.uuid4(), None)


async def test_outbox_stats_count_every_event_written_and_age_the_oldest(repos: Repos) -> None:
    owner = unique_user()
    assert await repos.stats.pending() == (0, None)
    old = datetime(2020, 1, 1, tzinfo=UTC)

    await repos.classes.create(new_class(owner, at=old), created_class_events(actor_for(owner)))
    await repos.classes.create(new_class(owner), created_class_events(actor_for(owner)))

    pending, age = await repos.stats.pending()
    assert pending == 2
    assert age == pytest.approx((datetime.now(UTC) - old).total_seconds(), abs=60)
