"""Class routes through HTTP: response bodies, stored rows and the one outbox event per write."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from tests.api.conftest import (
    INTERNAL_KEY,
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

CLASS_KEYS = {
    "id",
    "name",
    "course_code",
    "course",
    "student_count",
    "created_by_user_id",
    "created_at",
    "updated_at",
}


def assert_class_body(
    body: Json, *, name: str, course: tuple[str, str, str], owner: str, student_count: int = 0
) -> None:
    assert set(body) == CLASS_KEYS
    UUID(body["id"])
    code, course_name, language = course
    assert body["name"] == name
    assert body["course_code"] == code
    assert body["course"] == {"code": code, "name": course_name, "language": language}
    assert body["student_count"] == student_count
    assert body["created_by_user_id"] == owner
    assert parse_timestamp(body["updated_at"]) >= parse_timestamp(body["created_at"])


async def stored_class(api: Api, class_id: str) -> Json:
    rows = await api.rows(
        "SELECT c.name, c.created_by_user_id, c.created_at, c.updated_at, co.course_code"
        " FROM classes c JOIN courses co ON co.id = c.course_id WHERE c.id = :id",
        id=UUID(class_id),
    )
    assert len(rows) == 1
    return rows[0]


def assert_class_event_data(data: Json, body: Json, event: str, user: str, at: str) -> None:
    assert data == {
        "event": event,
        "class_id": body["id"],
        "class_designation": body["name"],
        "course_codes": [body["course_code"]],
        "user_id": user,
        "correlation_id": data["correlation_id"],
        "timestamp": data["timestamp"],
    }
    assert parse_timestamp(data["timestamp"]) == parse_timestamp(at)


async def test_create_class_returns_stores_and_announces_it_when_body_valid(api: Api) -> None:
    correlation_id = str(uuid.uuid4())
    response = await api.client.post(
        "/v1/classes/",
        json={"name": "  9A English  ", "course_codes": ["ENG5"]},
        headers=api.headers(**{"X-Correlation-ID": correlation_id}),
    )

    assert response.status_code == 201
    assert response.headers["X-Correlation-ID"] == correlation_id
    body = await response.get_json()
    assert_class_body(body, name="9A English", course=("ENG5", "English 5", "en"), owner=api.user)
    assert body["created_at"] == body["updated_at"]
    age = datetime.now(UTC) - parse_timestamp(body["created_at"])
    assert timedelta(0) <= age < timedelta(minutes=1)
    stored = await stored_class(api, body["id"])
    assert stored["name"] == "9A English"
    assert stored["course_code"] == "ENG5"
    assert stored["created_by_user_id"] == api.user
    assert stored["created_at"] == parse_timestamp(body["created_at"])
    row, notification = await new_events(api, 0, "huleedu.class.created.v1", NOTIFICATION_TOPIC)
    assert (row.aggregate_type, row.aggregate_id, row.user_id) == ("class", body["id"], api.user)
    assert str(row.correlation_id) == correlation_id
    told = assert_envelope(notification, NOTIFICATION_TOPIC, correlation_id)
    assert (told["notification_type"], told["teacher_id"], told["class_id"]) == (
        "class_created",
        api.user,
        body["id"],
    )
    assert (told["category"], told["priority"], told["action_required"]) == (
        "class_management",
        "standard",
        False,
    )
    assert notification.user_id == api.user
    data = assert_envelope(row, "huleedu.class.created.v1", correlation_id)
    assert_class_event_data(data, body, "class.created", api.user, body["created_at"])
    assert parse_timestamp(row.envelope["event_timestamp"]) == parse_timestamp(body["created_at"])


async def test_create_class_event_carries_the_generated_correlation_id_when_header_absent(api: Api) -> None:
    response = await api.client.post(
        "/v1/classes/", json={"name": "9A", "course_codes": ["ENG7"]}, headers=api.headers()
    )

    assert response.status_code == 201
    generated = response.headers["X-Correlation-ID"]
    assert str(UUID(generated)) == generated
    row, _ = await new_events(api, 0, "huleedu.class.created.v1", NOTIFICATION_TOPIC)
    assert str(row.correlation_id) == generated
    assert_envelope(row, "huleedu.class.created.v1", generated)


async def test_get_class_returns_the_created_resource_and_writes_nothing_when_caller_owns_it(
    api: Api,
) -> None:
    created = await api.create_class("7B", "SV2")
    before = await api.counts()

    fetched = await api.get_json(f"/v1/classes/{created['id']}")

    assert fetched == created
    assert_class_body(fetched, name="7B", course=("SV2", "Svenska 2", "sv"), owner=api.user)
    assert await api.counts() == before


async def test_get_class_counts_students_when_some_are_enrolled(api: Api) -> None:
    created = await api.create_class()
    await api.create_student(class_ids=[created["id"]])
    await api.create_student(class_ids=[created["id"]], email="b@example.com")
    await api.create_student()

    fetched = await api.get_json(f"/v1/classes/{created['id']}")

    assert fetched["student_count"] == 2


async def test_update_class_changes_only_the_name_when_course_codes_omitted(api: Api) -> None:
    created = await api.create_class("Old name", "ENG6")
    before = len(await api.outbox())
    correlation_id = str(uuid.uuid4())

    response = await api.client.put(
        f"/v1/classes/{created['id']}",
        json={"name": "New name"},
        headers=api.headers(**{"X-Correlation-ID": correlation_id}),
    )

    assert response.status_code == 200, await response.get_data(as_text=True)
    body = await response.get_json()
    assert_class_body(body, name="New name", course=("ENG6", "English 6", "en"), owner=api.user)
    assert body["id"] == created["id"]
    assert body["created_at"] == created["created_at"]
    assert parse_timestamp(body["updated_at"]) > parse_timestamp(created["updated_at"])
    assert await api.get_json(f"/v1/classes/{created['id']}") == body
    stored = await stored_class(api, created["id"])
    assert (stored["name"], stored["course_code"]) == ("New name", "ENG6")
    assert stored["updated_at"] == parse_timestamp(body["updated_at"])
    row = await single_new_event(api, before)
    assert (row.aggregate_id, row.user_id) == (created["id"], api.user)
    data = assert_envelope(row, "huleedu.class.updated.v1", correlation_id)
    assert_class_event_data(data, body, "class.updated", api.user, body["updated_at"])


async def test_update_class_rebinds_the_course_when_course_codes_given(api: Api) -> None:
    created = await api.create_class("8C", "ENG5")
    before = len(await api.outbox())

    response = await api.client.put(
        f"/v1/classes/{created['id']}", json={"course_codes": ["SV3"]}, headers=api.headers()
    )

    assert response.status_code == 200
    body = await response.get_json()
    assert_class_body(body, name="8C", course=("SV3", "Svenska 3", "sv"), owner=api.user)
    stored = await stored_class(api, created["id"])
    assert (stored["name"], stored["course_code"]) == ("8C", "SV3")
    data = assert_envelope(await single_new_event(api, before), "huleedu.class.updated.v1")
    assert_class_event_data(data, body, "class.updated", api.user, body["updated_at"])


async def test_update_class_changes_both_fields_when_both_given(api: Api) -> None:
    created = await api.create_class("A", "ENG5")

    response = await api.client.put(
        f"/v1/classes/{created['id']}",
        json={"name": "B", "course_codes": ["ENG7"]},
        headers=api.headers(),
    )

    assert response.status_code == 200
    body = await response.get_json()
    assert_class_body(body, name="B", course=("ENG7", "English 7", "en"), owner=api.user)


async def test_update_class_keeps_everything_when_body_is_empty(api: Api) -> None:
    created = await api.create_class("Keep", "SV1")
    await api.create_student(class_ids=[created["id"]])

    response = await api.client.put(f"/v1/classes/{created['id']}", json={}, headers=api.headers())

    assert response.status_code == 200
    body = await response.get_json()
    assert_class_body(body, name="Keep", course=("SV1", "Svenska 1", "sv"), owner=api.user, student_count=1)


async def test_delete_class_keeps_students_and_removes_memberships_when_class_has_members(
    api: Api,
) -> None:
    doomed = await api.create_class("Doomed")
    kept = await api.create_class("Kept")
    student = await api.create_student(class_ids=[doomed["id"], kept["id"]])
    before = len(await api.outbox())
    correlation_id = str(uuid.uuid4())

    response = await api.client.delete(
        f"/v1/classes/{doomed['id']}", headers=api.headers(**{"X-Correlation-ID": correlation_id})
    )

    assert response.status_code == 200
    body = await response.get_json()
    assert set(body) == {"message"}
    assert body["message"]
    assert await api.rows("SELECT id FROM classes WHERE id = :id", id=UUID(doomed["id"])) == []
    assert len(await api.rows("SELECT id FROM students WHERE id = :id", id=UUID(student["id"]))) == 1
    memberships = await api.rows(
        "SELECT class_id FROM class_student_association WHERE student_id = :id", id=UUID(student["id"])
    )
    assert [str(row["class_id"]) for row in memberships] == [kept["id"]]
    assert (await api.get_json(f"/v1/classes/students/{student['id']}"))["class_ids"] == [kept["id"]]
    gone = await api.client.get(f"/v1/classes/{doomed['id']}", headers=api.headers())
    assert gone.status_code == 404
    assert (await gone.get_json())["error"]["code"] == "CLASS_NOT_FOUND"
    row = await single_new_event(api, before)
    assert (row.aggregate_type, row.aggregate_id, row.user_id) == ("class", doomed["id"], api.user)
    data = assert_envelope(row, "huleedu.class.deleted.v1", correlation_id)
    assert data["event"] == "class.deleted"
    assert data["class_id"] == doomed["id"]
    assert data["user_id"] == api.user
    assert data["removed_student_ids"] == [student["id"]]


def _ids(items: list[Json]) -> list[str]:
    return [item["id"] for item in items]


def _newest_first(items: list[Json]) -> list[Json]:
    return sorted(items, key=lambda c: (parse_timestamp(c["created_at"]), UUID(c["id"])), reverse=True)


async def test_list_classes_returns_own_classes_newest_first_with_total_when_no_params(api: Api) -> None:
    created = [await api.create_class(f"Class {i}") for i in range(3)]

    before = await api.counts()

    body = await api.get_json("/v1/classes/")

    assert await api.counts() == before
    assert body["classes"] == _newest_first(created)
    assert _ids(body["classes"]) == _ids(created)[::-1]
    assert body["pagination"] == {"limit": 20, "offset": 0, "returned": 3, "total": 3, "next_cursor": None}


async def test_list_classes_returns_the_requested_slice_when_limit_and_offset_given(api: Api) -> None:
    created = [await api.create_class(f"Class {i}") for i in range(5)]
    everything = _ids(_newest_first(created))

    body = await api.get_json("/v1/classes/?limit=2&offset=2")

    assert _ids(body["classes"]) == everything[2:4]
    pagination = body["pagination"]
    assert (pagination["limit"], pagination["offset"], pagination["returned"], pagination["total"]) == (
        2,
        2,
        2,
        5,
    )


async def test_list_classes_cursor_pages_cover_every_class_once_when_followed_to_the_end(api: Api) -> None:
    created = [await api.create_class(f"Class {i}") for i in range(7)]
    seen: list[str] = []
    cursor: str | None = None
    pages = 0

    while True:
        path = "/v1/classes/?limit=3" + (f"&cursor={cursor}" if cursor else "")
        body = await api.get_json(path)
        pages += 1
        seen += _ids(body["classes"])
        assert body["pagination"]["total"] == 7
        cursor = body["pagination"]["next_cursor"]
        if cursor is None:
            break
        assert pages < 10

    assert seen == _ids(_newest_first(created))
    assert pages == 3


async def test_list_classes_is_empty_when_caller_has_none(api: Api) -> None:
    body = await api.get_json("/v1/classes/")

    assert body == {
        "classes": [],
        "pagination": {"limit": 20, "offset": 0, "returned": 0, "total": 0, "next_cursor": None},
    }


async def _roster_fixture(api: Api) -> tuple[Json, list[Json]]:
    school_class = await api.create_class()
    other = await api.create_class("Other")
    enrolled = [
        await api.create_student(
            person_name={"first_name": "Bob", "last_name": "Brown"},
            email="bob@example.com",
            class_ids=[school_class["id"]],
        ),
        await api.create_student(
            person_name={"first_name": "Zed", "last_name": "Adams", "legal_full_name": "Zedekiah Q. Adams"},
            class_ids=[school_class["id"], other["id"]],
        ),
        await api.create_student(
            person_name={"first_name": "Amy", "last_name": "Brown"}, class_ids=[school_class["id"]]
        ),
    ]
    await api.create_student(
        person_name={"first_name": "Not", "last_name": "Enrolled"}, class_ids=[other["id"]]
    )
    return school_class, enrolled


def _roster_line(student: Json, legal: str) -> dict[str, Any]:
    return {
        "id": student["id"],
        "student_id": student["id"],
        "first_name": student["first_name"],
        "last_name": student["last_name"],
        "legal_full_name": legal,
        "full_legal_name": legal,
        "email": student["email"],
    }


async def test_roster_lists_members_by_last_then_first_name_when_owner_asks(api: Api) -> None:
    school_class, (bob, zed, amy) = await _roster_fixture(api)
    before = await api.counts()

    body = await api.get_json(f"/v1/classes/{school_class['id']}/roster")

    assert await api.counts() == before

    assert body == {
        "students": [
            _roster_line(zed, "Zedekiah Q. Adams"),
            _roster_line(amy, "Amy Brown"),
            _roster_line(bob, "Bob Brown"),
        ]
    }


async def test_roster_is_served_when_internal_service_presents_the_key(api: Api) -> None:
    school_class, _ = await _roster_fixture(api)
    owner_view = await api.get_json(f"/v1/classes/{school_class['id']}/roster")

    response = await api.client.get(
        f"/v1/classes/{school_class['id']}/roster",
        headers={"X-Internal-API-Key": INTERNAL_KEY, "X-Service-ID": "nlp_service"},
    )

    assert response.status_code == 200
    assert await response.get_json() == owner_view


async def test_roster_is_empty_when_class_has_no_students(api: Api) -> None:
    school_class = await api.create_class()

    body = await api.get_json(f"/v1/classes/{school_class['id']}/roster")

    assert body == {"students": []}
