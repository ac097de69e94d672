"""Student routes through HTTP: response bodies, stored rows and memberships, one event per write."""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import pytest

from tests.api.conftest import (
    NOTIFICATION_TOPIC,
    SMOKE_ON_BOTH_BACKENDS,
    Api,
    Json,
    assert_envelope,
    new_events,
    parse_timestamp,
    single_new_event,
)

pytestmark = SMOKE_ON_BOTH_BACKENDS

STUDENT_KEYS = {
    "id",
    "first_name",
    "last_name",
    "legal_full_name",
    "full_name",
    "email",
    "external_id",
    "class_ids",
    "created_by_user_id",
    "created_at",
    "updated_at",
}


def assert_student_body(
    body: Json,
    *,
    names: tuple[str, str, str, str],
    email: str | None,
    class_ids: list[str],
    owner: str,
) -> None:
    assert set(body) == STUDENT_KEYS
    UUID(body["id"])
    assert (body["first_name"], body["last_name"], body["legal_full_name"], body["full_name"]) == names
    assert body["email"] == email
    assert sorted(body["class_ids"]) == sorted(class_ids)
    assert len(body["class_ids"]) == len(class_ids)
    assert body["created_by_user_id"] == owner
    assert parse_timestamp(body["updated_at"]) >= parse_timestamp(body["created_at"])


async def stored_student(api: Api, student_id: str) -> Json:
    rows = await api.rows(
        "SELECT first_name, last_name, legal_full_name, email, created_by_user_id, created_at, updated_at"
        " FROM students WHERE id = :id",
        id=UUID(student_id),
    )
    assert len(rows) == 1
    return rows[0]


async def stored_class_ids(api: Api, student_id: str) -> set[str]:
    rows = await api.rows(
        "SELECT class_id FROM class_student_association WHERE student_id = :id", id=UUID(student_id)
    )
    return {str(row["class_id"]) for row in rows}


async def test_create_student_returns_stores_and_announces_it_when_body_valid(api: Api) -> None:
    first, second = await api.create_class("A"), await api.create_class("B")
    before = len(await api.outbox())
    correlation_id = str(uuid.uuid4())

    response = await api.client.post(
        "/v1/classes/students",
        json={
            "person_name": {"first_name": "  Ada ", "last_name": "Lovelace  "},
            "email": "Ada.Lovelace@example.com",
            "class_ids": [first["id"], second["id"], first["id"]],
        },
        headers=api.headers(**{"X-Correlation-ID": correlation_id}),
    )

    assert response.status_code == 201, await response.get_data(as_text=True)
    assert response.headers["X-Correlation-ID"] == correlation_id
    body = await response.get_json()
    assert_student_body(
        body,
        names=("Ada", "Lovelace", "Ada Lovelace", "Ada Lovelace"),
        email="Ada.Lovelace@example.com",
        class_ids=[first["id"], second["id"]],
        owner=api.user,
    )
    assert body["created_at"] == body["updated_at"]
    stored = await stored_student(api, body["id"])
    assert (stored["first_name"], stored["last_name"], stored["legal_full_name"]) == (
        "Ada",
        "Lovelace",
        "Ada Lovelace",
    )
    assert stored["email"] == "Ada.Lovelace@example.com"
    assert stored["created_by_user_id"] == api.user
    assert stored["created_at"] == parse_timestamp(body["created_at"])
    assert await stored_class_ids(api, body["id"]) == {first["id"], second["id"]}
    row, *joined = await new_events(
        api, before, "huleedu.class.student.created.v1", NOTIFICATION_TOPIC, NOTIFICATION_TOPIC
    )
    told = [assert_envelope(n, NOTIFICATION_TOPIC, correlation_id) for n in joined]
    assert [(t["notification_type"], t["teacher_id"], t["class_id"]) for t in told] == [
        ("student_added_to_class", api.user, first["id"]),
        ("student_added_to_class", api.user, second["id"]),
    ]
    assert {(t["category"], t["priority"]) for t in told} == {("class_management", "low")}
    assert (row.aggregate_type, row.aggregate_id, row.user_id) == ("student", body["id"], api.user)
    data = assert_envelope(row, "huleedu.class.student.created.v1", correlation_id)
    assert parse_timestamp(data.pop("timestamp")) == parse_timestamp(body["created_at"])
    assert sorted(data.pop("class_ids")) == sorted([first["id"], second["id"]])
    assert data == {
        "event": "student.created",
        "student_id": body["id"],
        "first_name": "Ada",
        "last_name": "Lovelace",
        "student_email": "Ada.Lovelace@example.com",
        "external_id": None,
        "created_by_user_id": api.user,
        "correlation_id": correlation_id,
    }


async def test_create_student_keeps_the_legal_name_when_one_is_given(api: Api) -> None:
    body = await api.create_student(
        person_name={"first_name": "Ada", "last_name": "Lovelace", "legal_full_name": "Augusta Ada King"}
    )

    assert_student_body(
        body,
        names=("Ada", "Lovelace", "Augusta Ada King", "Ada Lovelace"),
        email=None,
        class_ids=[],
        owner=api.user,
    )
    assert (await stored_student(api, body["id"]))["legal_full_name"] == "Augusta Ada King"
    assert await stored_class_ids(api, body["id"]) == set()


async def test_create_student_accepts_a_single_name_when_the_other_is_empty(api: Api) -> None:
    body = await api.create_student(person_name={"first_name": "", "last_name": "Madonna"})

    assert_student_body(
        body, names=("", "Madonna", "Madonna", "Madonna"), email=None, class_ids=[], owner=api.user
    )


async def test_get_student_returns_the_created_resource_and_writes_nothing_when_caller_owns_it(
    api: Api,
) -> None:
    school_class = await api.create_class()
    created = await api.create_student(email="ada@example.com", class_ids=[school_class["id"]])
    before = await api.counts()

    fetched = await api.get_json(f"/v1/classes/students/{created['id']}")

    assert fetched == created
    assert await api.counts() == before


@pytest.mark.parametrize(
    ("update", "expected_email"),
    [
        pytest.param(
            {"person_name": {"first_name": "Ada", "last_name": "L"}}, "old@example.com", id="omitted"
        ),
        pytest.param({"email": None}, None, id="null-clears"),
        pytest.param({"email": "New@example.com"}, "New@example.com", id="value-sets"),
    ],
)
async def test_update_student_email_follows_the_body_when_email_omitted_null_or_set(
    api: Api, update: dict[str, Any], expected_email: str | None
) -> None:
    created = await api.create_student(email="old@example.com")
    before = len(await api.outbox())
    correlation_id = str(uuid.uuid4())

    response = await api.client.put(
        f"/v1/classes/students/{created['id']}",
        json=update,
        headers=api.headers(**{"X-Correlation-ID": correlation_id}),
    )

    assert response.status_code == 200, await response.get_data(as_text=True)
    body = await response.get_json()
    assert body["email"] == expected_email
    assert body["created_at"] == created["created_at"]
    assert parse_timestamp(body["updated_at"]) > parse_timestamp(created["updated_at"])
    assert await api.get_json(f"/v1/classes/students/{created['id']}") == body
    assert (await stored_student(api, created["id"]))["email"] == expected_email
    row = await single_new_event(api, before)
    assert (row.aggregate_type, row.aggregate_id, row.user_id) == ("student", created["id"], api.user)
    data = assert_envelope(row, "huleedu.class.student.updated.v1", correlation_id)
    assert data["event"] == "student.updated"
    assert data["student_id"] == created["id"]
    assert data["student_email"] == expected_email
    assert data["updated_by_user_id"] == api.user
    assert (data["add_class_ids"], data["remove_class_ids"]) == ([], [])
    assert parse_timestamp(data["timestamp"]) == parse_timestamp(body["updated_at"])


async def test_update_student_replaces_names_and_keeps_an_explicit_legal_name_when_person_name_given(
    api: Api,
) -> None:
    created = await api.create_student(
        person_name={"first_name": "Ada", "last_name": "Lovelace", "legal_full_name": "Augusta Ada King"},
        email="ada@example.com",
    )
    before = len(await api.outbox())

    response = await api.client.put(
        f"/v1/classes/students/{created['id']}",
        json={"person_name": {"first_name": " Grace ", "last_name": "Hopper"}},
        headers=api.headers(),
    )

    assert response.status_code == 200
    body = await response.get_json()
    assert_student_body(
        body,
        names=("Grace", "Hopper", "Augusta Ada King", "Grace Hopper"),
        email="ada@example.com",
        class_ids=[],
        owner=api.user,
    )
    stored = await stored_student(api, created["id"])
    assert (stored["first_name"], stored["last_name"], stored["legal_full_name"]) == (
        "Grace",
        "Hopper",
        "Augusta Ada King",
    )
    data = assert_envelope(await single_new_event(api, before), "huleedu.class.student.updated.v1")
    assert (data["first_name"], data["last_name"], data["student_email"]) == (
        "Grace",
        "Hopper",
        "ada@example.com",
    )


async def test_update_student_reports_only_memberships_actually_changed_when_adding_and_removing(
    api: Api,
) -> None:
    a, b, c = [await api.create_class(name) for name in ("A", "B", "C")]
    created = await api.create_student(class_ids=[a["id"]])
    before = len(await api.outbox())

    added = await api.client.put(
        f"/v1/classes/students/{created['id']}",
        json={"add_class_ids": [a["id"], b["id"], b["id"]], "remove_class_ids": [c["id"]]},
        headers=api.headers(),
    )

    assert added.status_code == 200, await added.get_data(as_text=True)
    assert sorted((await added.get_json())["class_ids"]) == sorted([a["id"], b["id"]])
    assert await stored_class_ids(api, created["id"]) == {a["id"], b["id"]}
    row, joined = await new_events(api, before, "huleedu.class.student.updated.v1", NOTIFICATION_TOPIC)
    data = assert_envelope(row, "huleedu.class.student.updated.v1")
    assert (data["add_class_ids"], data["remove_class_ids"]) == ([b["id"]], [])
    told = assert_envelope(joined, NOTIFICATION_TOPIC)
    assert (told["notification_type"], told["class_id"]) == ("student_added_to_class", b["id"])

    removed = await api.client.put(
        f"/v1/classes/students/{created['id']}",
        json={"remove_class_ids": [a["id"], c["id"]]},
        headers=api.headers(),
    )

    assert removed.status_code == 200
    assert (await removed.get_json())["class_ids"] == [b["id"]]
    assert await stored_class_ids(api, created["id"]) == {b["id"]}
    data = assert_envelope(await single_new_event(api, before + 2), "huleedu.class.student.updated.v1")
    assert (data["add_class_ids"], data["remove_class_ids"]) == ([], [a["id"]])
    assert (await api.get_json(f"/v1/classes/{a['id']}"))["student_count"] == 0
    assert (await api.get_json(f"/v1/classes/{b['id']}"))["student_count"] == 1


async def test_delete_student_removes_row_and_memberships_but_keeps_classes_when_enrolled(api: Api) -> None:
    school_class = await api.create_class()
    created = await api.create_student(email="ada@example.com", class_ids=[school_class["id"]])
    before = len(await api.outbox())
    correlation_id = str(uuid.uuid4())

    response = await api.client.delete(
        f"/v1/classes/students/{created['id']}", headers=api.headers(**{"X-Correlation-ID": correlation_id})
    )

    assert response.status_code == 200
    body = await response.get_json()
    assert set(body) == {"message"}
    assert body["message"]
    assert await api.rows("SELECT id FROM students WHERE id = :id", id=UUID(created["id"])) == []
    assert await stored_class_ids(api, created["id"]) == set()
    assert (await api.get_json(f"/v1/classes/{school_class['id']}"))["student_count"] == 0
    gone = await api.client.get(f"/v1/classes/students/{created['id']}", headers=api.headers())
    assert gone.status_code == 404
    assert (await gone.get_json())["error"]["code"] == "STUDENT_NOT_FOUND"
    row = await single_new_event(api, before)
    assert (row.aggregate_type, row.aggregate_id, row.user_id) == ("student", created["id"], api.user)
    data = assert_envelope(row, "huleedu.class.student.deleted.v1", correlation_id)
    assert data["event"] == "student.deleted"
    assert data["student_id"] == created["id"]
    assert data["created_by_user_id"] == api.user
    assert data["removed_class_ids"] == [school_class["id"]]


def _ids(items: list[Json]) -> list[str]:
    return [item["id"] for item in items]


def _newest_first(items: list[Json]) -> list[str]:
    ordered = sorted(items, key=lambda s: (parse_timestamp(s["created_at"]), UUID(s["id"])), reverse=True)
    return _ids(ordered)


async def _directory(api: Api) -> tuple[Json, list[Json]]:
    school_class = await api.create_class()
    students = [
        await api.create_student(
            person_name={"first_name": "Ada", "last_name": "Lovelace"},
            email="ada@example.com",
            class_ids=[school_class["id"]],
        ),
        await api.create_student(
            person_name={"first_name": "Grace", "last_name": "Hopper"}, email="grace.h@navy.example.org"
        ),
        await api.create_student(
            person_name={"first_name": "Alan", "last_name": "Turing"}, class_ids=[school_class["id"]]
        ),
    ]
    return school_class, students


async def test_list_students_returns_own_students_newest_first_when_unfiltered(api: Api) -> None:
    _, students = await _directory(api)
    before = await api.counts()

    body = await api.get_json("/v1/classes/students")

    assert await api.counts() == before

    assert body["students"] == students[::-1]
    assert _ids(body["students"]) == _newest_first(students)
    assert body["pagination"] == {"limit": 20, "offset": 0, "returned": 3, "total": 3, "next_cursor": None}


async def test_list_students_returns_only_members_when_filtered_by_class(api: Api) -> None:
    school_class, (ada, _, alan) = await _directory(api)

    body = await api.get_json(f"/v1/classes/students?class_id={school_class['id']}")

    assert _ids(body["students"]) == [alan["id"], ada["id"]]
    assert body["pagination"]["total"] == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("LOVE", ["Ada"], id="last-name-upper"),
        pytest.param("grace", ["Grace"], id="first-name"),
        pytest.param("NAVY.EXAMPLE", ["Grace"], id="email"),
        pytest.param("a", ["Alan", "Grace", "Ada"], id="everyone"),
        pytest.param("nobody", [], id="no-match"),
    ],
)
async def test_list_students_matches_name_or_email_case_insensitively_when_q_given(
    api: Api, query: str, expected: list[str]
) -> None:
    await _directory(api)

    body = await api.get_json(f"/v1/classes/students?q={query}")

    assert [s["first_name"] for s in body["students"]] == expected
    assert body["pagination"]["total"] == len(expected)


async def test_list_students_combines_class_filter_and_search_when_both_given(api: Api) -> None:
    school_class, _ = await _directory(api)

    body = await api.get_json(f"/v1/classes/students?class_id={school_class['id']}&q=TUR")

    assert [s["first_name"] for s in body["students"]] == ["Alan"]


async def test_list_students_pages_cover_everyone_once_when_using_offset_or_cursor(api: Api) -> None:
    students = [
        await api.create_student(person_name={"first_name": f"S{i}", "last_name": "X"}) for i in range(5)
    ]
    everyone = _newest_first(students)

    sliced = await api.get_json("/v1/classes/students?limit=2&offset=3")
    assert _ids(sliced["students"]) == everyone[3:5]
    assert sliced["pagination"]["total"] == 5
    assert sliced["pagination"]["returned"] == 2

    seen: list[str] = []
    cursor: str | None = None
    for _ in range(5):
        body = await api.get_json("/v1/classes/students?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += _ids(body["students"])
        cursor = body["pagination"]["next_cursor"]
        if cursor is None:
            break
    assert seen == everyone
