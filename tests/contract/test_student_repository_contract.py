"""What every StudentRepositoryProtocol implementation promises, with expected values written by hand."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from uuid import UUID

import pytest

from class_management_service.domain import event_builders
from class_management_service.domain.errors import (
    ClassNotFoundError,
    DuplicateStudentEmailError,
    StudentNotFoundError,
)
from class_management_service.domain.models import PageRequest, Student, StudentFilter, StudentUpdate
from tests.conftest import unique_email, unique_user
from tests.contract.conftest import (
    Repos,
    actor_for,
    add_class,
    add_student,
    assert_envelope,
    changes,
    explode,
    moment,
    new_student,
    no_events,
)

EVERYONE = StudentFilter()


async def _nothing_written(repos: Repos, owner: str, student_id: UUID, class_ids: list[UUID]) -> None:
    with pytest.raises(StudentNotFoundError):
        await repos.students.get(owner, student_id)
    assert (await repos.students.list(owner, PageRequest(), EVERYONE)).total == 0
    for class_id in class_ids:
        assert (await repos.classes.get(owner, class_id)).student_count == 0
    assert await repos.outbox() == []


async def test_create_returns_the_student_with_class_ids_in_request_order(repos: Repos) -> None:
    owner, at = unique_user(), moment()
    first, second = await add_class(repos, owner), await add_class(repos, owner)
    requested = sorted([first.id, second.id], reverse=True)
    new = new_student(
        owner,
        "Ada",
        "Lovelace",
        "Ada@Example.com",
        class_ids=requested,
        at=at,
        legal_full_name="Augusta Ada King",
    )

    created = await repos.students.create(new, no_events)

    assert created == Student(
        new.id, "Ada", "Lovelace", "Augusta Ada King", "Ada@Example.com", tuple(requested), owner, at, at
    )
    assert created.full_name == "Ada Lovelace"


async def test_get_returns_the_student_as_created_with_class_ids_in_the_order_joined(repos: Repos) -> None:
    owner = unique_user()
    classes = [await add_class(repos, owner) for _ in range(3)]
    low, high = sorted([classes[0].id, classes[1].id])
    created = await add_student(repos, owner, email="ada@example.com", class_ids=[high, low])

    assert await repos.students.get(owner, created.id) == created
    await repos.students.update(owner, created.id, changes(add=[classes[2].id]), no_events)
    assert (await repos.students.get(owner, created.id)).class_ids == (high, low, classes[2].id)


async def test_create_raises_class_not_found_naming_unknown_and_foreign_ids_and_writes_nothing(
    repos: Repos,
) -> None:
    owner = unique_user()
    own = await add_class(repos, owner)
    foreign = await add_class(repos, unique_user())
    unknown = uuid.uuid4()
    new = new_student(owner, class_ids=[unknown, own.id, foreign.id])
    actor = actor_for(owner)

    with pytest.raises(ClassNotFoundError) as raised:
        await repos.students.create(new, lambda s: [event_builders.student_created(s, actor)])

    assert raised.value.details == {"class_ids": [str(unknown), str(foreign.id)]}
    await _nothing_written(repos, owner, new.id, [own.id])


async def test_create_raises_duplicate_email_ignoring_case_and_writes_nothing(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    existing = await add_student(repos, owner, email="Ada.Lovelace@example.com")
    new = new_student(owner, email="ada.lovelace@EXAMPLE.com", class_ids=[school_class.id])

    with pytest.raises(DuplicateStudentEmailError):
        await repos.students.create(new, lambda s: [event_builders.student_created(s, actor_for(owner))])

    page = await repos.students.list(owner, PageRequest(), EVERYONE)
    assert [s.id for s in page.items] == [existing.id]
    assert (await repos.classes.get(owner, school_class.id)).student_count == 0
    assert await repos.outbox() == []


async def test_concurrent_creates_with_one_email_let_exactly_one_through(repos: Repos) -> None:
    owner = unique_user()
    emails = ["same@example.com", "SAME@example.com", "Same@Example.com", "same@EXAMPLE.com"]
    attempts = [new_student(owner, email=email) for email in emails]

    results = await asyncio.gather(
        *(repos.students.create(new, no_events) for new in attempts), return_exceptions=True
    )

    assert sum(isinstance(r, Student) for r in results) == 1
    assert sum(isinstance(r, DuplicateStudentEmailError) for r in results) == 3
    assert (await repos.students.list(owner, PageRequest(), EVERYONE)).total == 1


async def test_create_allows_the_same_email_for_another_teacher(repos: Repos) -> None:
    email = unique_email()
    await add_student(repos, unique_user(), email=email)

    created = await add_student(repos, unique_user(), email=email.upper())

    assert created.email == email.upper()


async def test_create_allows_many_students_without_email(repos: Repos) -> None:
    owner = unique_user()
    await add_student(repos, owner, email=None)
    await add_student(repos, owner, email=None)

    assert (await repos.students.list(owner, PageRequest(), EVERYONE)).total == 2


async def test_create_writes_nothing_when_the_event_builder_fails(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    new = new_student(owner, class_ids=[school_class.id])

    with pytest.raises(RuntimeError):
        await repos.students.create(new, explode)

    await _nothing_written(repos, owner, new.id, [school_class.id])


async def test_create_records_one_student_created_event(repos: Repos) -> None:
    owner, at = unique_user(), moment()
    actor = actor_for(owner)
    school_class = await add_class(repos, owner)
    new = new_student(owner, "Ada", "Lovelace", "ada@example.com", class_ids=[school_class.id], at=at)

    await repos.students.create(new, lambda s: [event_builders.student_created(s, actor)])

    [(topic, aggregate_id, user_id, envelope)] = await repos.outbox()
    assert (topic, aggregate_id, user_id) == ("huleedu.class.student.created.v1", new.id, owner)
    expected = {
        "event": "student.created",
        "student_id": str(new.id),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "student_email": "ada@example.com",
        "external_id": None,
        "class_ids": [str(school_class.id)],
        "created_by_user_id": owner,
        "correlation_id": str(actor.correlation_id),
    }
    assert_envelope(envelope, "huleedu.class.student.created.v1", actor, at, expected)


async def test_create_stores_every_event_the_builder_returns_in_order(repos: Repos) -> None:
    owner = unique_user()
    actor = actor_for(owner)
    new = new_student(owner)

    await repos.students.create(
        new,
        lambda s: [
            event_builders.student_created(s, actor),
            event_builders.student_updated(StudentUpdate(s, (), ()), actor),
        ],
    )

    topics = [(topic, aggregate_id) for topic, aggregate_id, _, _ in await repos.outbox()]
    assert topics == [
        ("huleedu.class.student.created.v1", new.id),
        ("huleedu.class.student.updated.v1", new.id),
    ]


async def test_get_raises_student_not_found_when_student_is_missing(repos: Repos) -> None:
    missing = uuid.uuid4()

    with pytest.raises(StudentNotFoundError) as raised:
        await repos.students.get(unique_user(), missing)

    assert raised.value.details == {"student_id": str(missing)}


async def test_get_raises_student_not_found_when_student_belongs_to_another_teacher(repos: Repos) -> None:
    created = await add_student(repos, unique_user())

    with pytest.raises(StudentNotFoundError):
        await repos.students.get(unique_user(), created.id)


async def test_list_returns_only_the_teachers_students_newest_first_with_ties_by_id(repos: Repos) -> None:
    owner = unique_user()
    oldest = await add_student(repos, owner)
    tied_at = moment()
    await add_student(repos, unique_user())
    low, high = sorted(uuid.uuid4() for _ in range(2))
    for student_id in (low, high):
        await repos.students.create(new_student(owner, at=tied_at, student_id=student_id), no_events)
    newest = await add_student(repos, owner)

    page = await repos.students.list(owner, PageRequest(), EVERYONE)

    assert [s.id for s in page.items] == [newest.id, high, low, oldest.id]
    assert page.items[-1] == oldest
    assert page.total == 4


async def test_list_pages_by_offset_and_by_keyset_with_the_total(repos: Repos) -> None:
    owner = unique_user()
    created = [await add_student(repos, owner, first_name=f"S{n}") for n in range(5)]

    by_offset = await repos.students.list(owner, PageRequest(limit=2, offset=1), EVERYONE)
    cursor = (created[2].created_at, created[2].id)
    by_keyset = await repos.students.list(owner, PageRequest(limit=3, after=cursor), EVERYONE)

    assert [s.first_name for s in by_offset.items] == ["S3", "S2"]
    assert [s.first_name for s in by_keyset.items] == ["S1", "S0"]
    assert (by_offset.total, by_keyset.total) == (5, 5)
    assert by_keyset.request == PageRequest(limit=3, after=cursor)


async def test_list_keyset_cursor_wins_over_the_offset(repos: Repos) -> None:
    owner = unique_user()
    created = [await add_student(repos, owner, first_name=f"S{n}") for n in range(4)]
    cursor = (created[3].created_at, created[3].id)

    page = await repos.students.list(owner, PageRequest(limit=2, offset=1, after=cursor), EVERYONE)

    assert [s.first_name for s in page.items] == ["S2", "S1"]


async def test_list_restricts_to_the_members_of_a_class(repos: Repos) -> None:
    owner = unique_user()
    school_class, other = await add_class(repos, owner), await add_class(repos, owner)
    first = await add_student(repos, owner, class_ids=[school_class.id])
    await add_student(repos, owner, class_ids=[other.id])
    second = await add_student(repos, owner, class_ids=[other.id, school_class.id])

    page = await repos.students.list(owner, PageRequest(), StudentFilter(class_id=school_class.id))

    assert [s.id for s in page.items] == [second.id, first.id]
    assert page.items[0].class_ids == (other.id, school_class.id)
    assert page.total == 2


async def test_list_raises_class_not_found_when_filtering_by_another_teachers_class(repos: Repos) -> None:
    foreign = await add_class(repos, unique_user())

    with pytest.raises(ClassNotFoundError) as raised:
        await repos.students.list(unique_user(), PageRequest(), StudentFilter(class_id=foreign.id))

    assert raised.value.details == {"class_ids": [str(foreign.id)]}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ada", ["Ada"]),
        ("LOVE", ["Ada"]),
        ("countess", ["Ada"]),
        ("HOPPER@", ["Grace"]),
        ("example.COM", ["Grace", "Alan"]),
        ("an", ["Alan"]),
        ("nobody", []),
    ],
)
async def test_list_searches_names_legal_name_and_email_case_insensitively(
    repos: Repos, query: str, expected: list[str]
) -> None:
    owner = unique_user()
    await add_student(repos, owner, "Ada", "Lovelace", None, legal_full_name="Countess of Lovelace")
    await add_student(repos, owner, "Alan", "Turing", "alan@example.com")
    await add_student(repos, owner, "Grace", "Hopper", "grace.hopper@example.com")
    await add_student(repos, unique_user(), "Ada", "Other")

    page = await repos.students.list(owner, PageRequest(), StudentFilter(query=query))

    assert [s.first_name for s in page.items] == expected
    assert page.total == len(expected)


async def test_list_search_folds_the_case_of_non_ascii_letters(repos: Repos) -> None:
    owner = unique_user()
    swede = await add_student(repos, owner, "Åsa", "Öberg")

    page = await repos.students.list(owner, PageRequest(), StudentFilter(query="åsa öberg"))

    assert [s.id for s in page.items] == [swede.id]


@pytest.mark.parametrize("query", ["%", "_", "a%b", "a_b"])
async def test_list_treats_wildcard_characters_in_the_search_literally(repos: Repos, query: str) -> None:
    owner = unique_user()
    await add_student(repos, owner, "Plain", "Name")
    literal = await add_student(repos, owner, "a%b", "a_b")

    page = await repos.students.list(owner, PageRequest(), StudentFilter(query=query))

    assert [s.id for s in page.items] == [literal.id]


async def test_list_combines_the_class_filter_and_the_search(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    match = await add_student(repos, owner, "Ada", "Lovelace", class_ids=[school_class.id])
    await add_student(repos, owner, "Alan", "Turing", class_ids=[school_class.id])
    await add_student(repos, owner, "Ada", "Outside")

    where = StudentFilter(class_id=school_class.id, query="ADA")
    page = await repos.students.list(owner, PageRequest(), where)

    assert [s.id for s in page.items] == [match.id]
    assert page.total == 1


async def test_update_replaces_all_three_names_and_stamps_updated_at(repos: Repos) -> None:
    owner, created_at, updated_at = unique_user(), moment(), moment()
    created = await add_student(repos, owner, email="ada@example.com", at=created_at)

    update = await repos.students.update(
        owner, created.id, changes(("Augusta", "King", "Augusta Ada King"), at=updated_at), no_events
    )

    expected = Student(
        created.id,
        "Augusta",
        "King",
        "Augusta Ada King",
        "ada@example.com",
        (),
        owner,
        created_at,
        updated_at,
    )
    assert update == StudentUpdate(expected, (), ())
    assert await repos.students.get(owner, created.id) == expected


async def test_update_keeps_names_and_email_when_they_are_omitted(repos: Repos) -> None:
    owner = unique_user()
    created = await add_student(repos, owner, "Ada", "Lovelace", "ada@example.com", legal_full_name="A. L.")
    updated_at = moment()

    update = await repos.students.update(owner, created.id, changes(email=None, at=updated_at), no_events)

    assert update.student == Student(
        created.id, "Ada", "Lovelace", "A. L.", None, (), owner, created.created_at, updated_at
    )


async def test_update_clears_the_email_when_it_is_none(repos: Repos) -> None:
    owner = unique_user()
    created = await add_student(repos, owner, email="ada@example.com")

    update = await repos.students.update(owner, created.id, changes(email=None), no_events)

    assert update.student.email is None
    assert (await repos.students.get(owner, created.id)).email is None
    assert (await add_student(repos, owner, email="ada@example.com")).email == "ada@example.com"


async def test_update_sets_a_new_email(repos: Repos) -> None:
    owner = unique_user()
    created = await add_student(repos, owner, email=None)

    await repos.students.update(owner, created.id, changes(email="Ada@Example.com"), no_events)

    assert (await repos.students.get(owner, created.id)).email == "Ada@Example.com"


async def test_update_allows_changing_the_case_of_the_students_own_email(repos: Repos) -> None:
    owner = unique_user()
    created = await add_student(repos, owner, email="ada@example.com")

    update = await repos.students.update(owner, created.id, changes(email="ADA@example.com"), no_events)

    assert update.student.email == "ADA@example.com"


async def test_update_raises_duplicate_email_ignoring_case_and_writes_nothing(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    await add_student(repos, owner, email="taken@example.com")
    created = await add_student(repos, owner, "Ada", "Lovelace", "ada@example.com")
    request = changes(("Augusta", "King", "Augusta King"), "TAKEN@example.com", add=[school_class.id])
    actor = actor_for(owner)

    with pytest.raises(DuplicateStudentEmailError):
        await repos.students.update(
            owner, created.id, request, lambda u: [event_builders.student_updated(u, actor)]
        )

    assert await repos.students.get(owner, created.id) == created
    assert await repos.outbox() == []


async def test_update_reports_only_the_memberships_really_added_and_removed(repos: Repos) -> None:
    owner = unique_user()
    kept, dropped, joined = [await add_class(repos, owner) for _ in range(3)]
    created = await add_student(repos, owner, class_ids=[kept.id, dropped.id])
    never_joined = await add_class(repos, owner)
    updated_at = moment()
    request = changes(add=[kept.id, joined.id], remove=[dropped.id, never_joined.id], at=updated_at)

    update = await repos.students.update(owner, created.id, request, no_events)

    assert (update.added_class_ids, update.removed_class_ids) == ((joined.id,), (dropped.id,))
    expected_ids = (kept.id, joined.id)
    assert update.student.class_ids == expected_ids
    assert (await repos.students.get(owner, created.id)).class_ids == expected_ids
    counts = [(await repos.classes.get(owner, c.id)).student_count for c in (kept, dropped, joined)]
    assert counts == [1, 0, 1]


async def test_update_raises_class_not_found_for_foreign_or_unknown_classes_and_writes_nothing(
    repos: Repos,
) -> None:
    owner = unique_user()
    own, leaving = await add_class(repos, owner), await add_class(repos, owner)
    foreign, unknown = await add_class(repos, unique_user()), uuid.uuid4()
    created = await add_student(repos, owner, email="ada@example.com", class_ids=[leaving.id])
    request = changes(
        ("New", "Name", "New Name"), None, add=[own.id, foreign.id, unknown], remove=[leaving.id]
    )

    with pytest.raises(ClassNotFoundError) as raised:
        await repos.students.update(owner, created.id, request, explode)

    assert raised.value.details == {"class_ids": [str(foreign.id), str(unknown)]}
    assert await repos.students.get(owner, created.id) == created
    assert (await repos.classes.get(owner, own.id)).student_count == 0
    assert (await repos.classes.get(owner, leaving.id)).student_count == 1
    assert await repos.outbox() == []


async def test_update_raises_student_not_found_for_another_teachers_student(repos: Repos) -> None:
    owner = unique_user()
    created = await add_student(repos, owner, email="ada@example.com")

    with pytest.raises(StudentNotFoundError):
        await repos.students.update(unique_user(), created.id, changes(email=None), explode)

    assert await repos.students.get(owner, created.id) == created
    assert await repos.outbox() == []


async def test_update_writes_nothing_when_the_event_builder_fails(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    created = await add_student(repos, owner, email="ada@example.com")
    request = changes(("New", "Name", "New Name"), None, add=[school_class.id])

    with pytest.raises(RuntimeError):
        await repos.students.update(owner, created.id, request, explode)

    assert await repos.students.get(owner, created.id) == created
    assert (await repos.classes.get(owner, school_class.id)).student_count == 0


async def test_update_records_one_student_updated_event_with_the_applied_memberships(repos: Repos) -> None:
    owner = unique_user()
    actor = actor_for(owner)
    member, joined = await add_class(repos, owner), await add_class(repos, owner)
    created = await add_student(repos, owner, "Ada", "Lovelace", "ada@example.com", class_ids=[member.id])
    updated_at = moment()
    request = changes(email=None, add=[member.id, joined.id], remove=[member.id], at=updated_at)

    await repos.students.update(
        owner, created.id, request, lambda u: [event_builders.student_updated(u, actor)]
    )

    [(topic, aggregate_id, user_id, envelope)] = await repos.outbox()
    assert (topic, aggregate_id, user_id) == ("huleedu.class.student.updated.v1", created.id, owner)
    expected = {
        "event": "student.updated",
        "student_id": str(created.id),
        "first_name": "Ada",
        "last_name": "Lovelace",
        "student_email": None,
        "external_id": None,
        "add_class_ids": [str(joined.id)],
        "remove_class_ids": [str(member.id)],
        "updated_by_user_id": owner,
        "correlation_id": str(actor.correlation_id),
    }
    assert_envelope(envelope, "huleedu.class.student.updated.v1", actor, updated_at, expected)


async def test_delete_returns_the_student_with_the_memberships_it_had(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    created = await add_student(repos, owner, email="ada@example.com", class_ids=[school_class.id])

    deleted = await repos.students.delete(owner, created.id, no_events, at=datetime.now(UTC))

    assert deleted.student == created
    with pytest.raises(StudentNotFoundError):
        await repos.students.get(owner, created.id)
    assert (await repos.classes.get(owner, school_class.id)).student_count == 0
    assert list(await repos.classes.roster(school_class.id, owner)) == []
    assert (await add_student(repos, owner, email="ada@example.com")).email == "ada@example.com"


async def test_delete_raises_student_not_found_and_keeps_another_teachers_student(repos: Repos) -> None:
    owner = unique_user()
    created = await add_student(repos, owner)

    with pytest.raises(StudentNotFoundError):
        await repos.students.delete(unique_user(), created.id, explode, at=datetime.now(UTC))

    assert await repos.students.get(owner, created.id) == created
    assert await repos.outbox() == []


async def test_delete_writes_nothing_when_the_event_builder_fails(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    created = await add_student(repos, owner, class_ids=[school_class.id])

    with pytest.raises(RuntimeError):
        await repos.students.delete(owner, created.id, explode, at=datetime.now(UTC))

    assert await repos.students.get(owner, created.id) == created
    assert await repos.outbox() == []


async def test_delete_records_one_student_deleted_event_naming_the_removed_memberships(repos: Repos) -> None:
    owner = unique_user()
    actor = actor_for(owner)
    school_class = await add_class(repos, owner)
    created = await add_student(repos, owner, class_ids=[school_class.id])
    deleted_at = moment()

    await repos.students.delete(
        owner,
        created.id,
        lambda d: [event_builders.student_deleted(d, actor, deleted_at)],
        at=datetime.now(UTC),
    )

    [(topic, aggregate_id, user_id, envelope)] = await repos.outbox()
    assert (topic, aggregate_id, user_id) == ("huleedu.class.student.deleted.v1", created.id, owner)
    expected = {
        "event": "student.deleted",
        "student_id": str(created.id),
        "created_by_user_id": owner,
        "removed_class_ids": [str(school_class.id)],
        "correlation_id": str(actor.correlation_id),
    }
    assert_envelope(envelope, "huleedu.class.student.deleted.v1", actor, deleted_at, expected)


async def test_update_allows_an_email_another_teacher_uses(repos: Repos) -> None:
    owner, email = unique_user(), unique_email()
    await add_student(repos, unique_user(), email=email)
    created = await add_student(repos, owner)

    update = await repos.students.update(owner, created.id, changes(email=email), no_events)

    assert update.student.email == email


async def test_concurrent_updates_adding_one_class_report_it_added_once(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    created = await add_student(repos, owner)

    updates = await asyncio.gather(
        *(
            repos.students.update(owner, created.id, changes(add=[school_class.id]), no_events)
            for _ in range(4)
        )
    )

    assert sorted(len(u.added_class_ids) for u in updates) == [0, 0, 0, 1]
    assert (await repos.classes.get(owner, school_class.id)).student_count == 1


async def test_enrolling_while_the_class_is_deleted_leaves_no_dangling_membership(repos: Repos) -> None:
    owner = unique_user()
    school_class = await add_class(repos, owner)
    new = new_student(owner, class_ids=[school_class.id])

    deleted, created = await asyncio.gather(
        repos.classes.delete(owner, school_class.id, no_events, at=datetime.now(UTC)),
        repos.students.create(new, no_events),
        return_exceptions=True,
    )

    assert not isinstance(deleted, BaseException)
    if isinstance(created, BaseException):
        assert isinstance(created, ClassNotFoundError)
        assert deleted.removed_student_ids == ()
    else:
        assert deleted.removed_student_ids == (new.id,)
        assert (await repos.students.get(owner, new.id)).class_ids == ()
