"""Class-side enrolment through HTTP: bodies, memberships, and one update event per changed student."""

from __future__ import annotations

import uuid

from tests.api.conftest import (
    NOTIFICATION_TOPIC,
    SMOKE_ON_BOTH_BACKENDS,
    Api,
    Json,
    assert_envelope,
    assert_error,
    new_events,
    parse_timestamp,
)

pytestmark = SMOKE_ON_BOTH_BACKENDS

UPDATED = "huleedu.class.student.updated.v1"


def students_path(class_id: str) -> str:
    return f"/v1/classes/{class_id}/students"


async def _change(api: Api, method: str, path: str, body: Json, status: int = 200) -> Json:
    response = await api.client.open(path, method=method, json=body, headers=api.headers())
    assert response.status_code == status, await response.get_data(as_text=True)
    reply: Json = await response.get_json()
    return reply


async def test_post_adds_the_students_and_announces_each_join_as_a_put_would(api: Api) -> None:
    school_class = await api.create_class("7A English")
    member = await api.create_student(class_ids=[school_class["id"]])
    newcomer = await api.create_student(person_name={"first_name": "Bea", "last_name": "Berg"})
    before = len(await api.outbox())
    ids = [newcomer["id"], member["id"], newcomer["id"]]

    body = await _change(api, "POST", students_path(school_class["id"]), {"student_ids": ids})

    assert body == {
        "class_id": school_class["id"],
        "to_class_id": None,
        "changed_student_ids": [newcomer["id"]],
        "unchanged_student_ids": [member["id"]],
    }
    joined = await api.get_json(f"/v1/classes/students/{newcomer['id']}")
    assert joined["class_ids"] == [school_class["id"]]
    assert parse_timestamp(joined["updated_at"]) > parse_timestamp(newcomer["updated_at"])
    updated, notified = await new_events(api, before, UPDATED, NOTIFICATION_TOPIC)
    data = assert_envelope(updated, UPDATED)
    assert (data["student_id"], data["add_class_ids"], data["remove_class_ids"]) == (
        newcomer["id"],
        [school_class["id"]],
        [],
    )
    assert parse_timestamp(data["timestamp"]) == parse_timestamp(joined["updated_at"])
    assert notified.envelope["data"]["payload"]["message"] == "Bea Berg was added to 7A English"
    assert (await api.get_json(f"/v1/classes/{school_class['id']}"))["student_count"] == 2


async def test_delete_removes_members_and_leaves_the_others_unannounced(api: Api) -> None:
    school_class = await api.create_class()
    member = await api.create_student(class_ids=[school_class["id"]])
    outsider = await api.create_student(person_name={"first_name": "Cid", "last_name": "Cole"})
    before = len(await api.outbox())

    body = await _change(
        api, "DELETE", students_path(school_class["id"]), {"student_ids": [outsider["id"], member["id"]]}
    )

    assert (body["changed_student_ids"], body["unchanged_student_ids"]) == ([member["id"]], [outsider["id"]])
    assert (await api.get_json(f"/v1/classes/students/{member['id']}"))["class_ids"] == []
    (updated,) = await new_events(api, before, UPDATED)
    assert assert_envelope(updated, UPDATED)["remove_class_ids"] == [school_class["id"]]


async def test_move_takes_students_out_of_the_class_and_into_the_target_in_one_request(api: Api) -> None:
    source, target = await api.create_class("7A"), await api.create_class("7B")
    mover = await api.create_student(class_ids=[source["id"]])
    already = await api.create_student(email="dee@example.com", class_ids=[target["id"]])
    before = len(await api.outbox())
    request = {"student_ids": [mover["id"], already["id"]], "to_class_id": target["id"]}

    body = await _change(api, "POST", f"{students_path(source['id'])}/move", request)

    assert body == {
        "class_id": source["id"],
        "to_class_id": target["id"],
        "changed_student_ids": [mover["id"]],
        "unchanged_student_ids": [already["id"]],
    }
    assert (await api.get_json(f"/v1/classes/students/{mover['id']}"))["class_ids"] == [target["id"]]
    updated, _ = await new_events(api, before, UPDATED, NOTIFICATION_TOPIC)
    data = assert_envelope(updated, UPDATED)
    assert (data["add_class_ids"], data["remove_class_ids"]) == ([target["id"]], [source["id"]])


async def test_any_unknown_or_foreign_id_is_a_404_naming_all_of_them_and_nothing_changes(api: Api) -> None:
    source = await api.create_class("7A")
    foreign_class = await api.create_class("9C", user="someone-else")
    mine = await api.create_student(class_ids=[source["id"]])
    foreign = await api.create_student(user="someone-else")
    unknown = str(uuid.uuid4())
    before = await api.counts()
    request = {"student_ids": [unknown, mine["id"], foreign["id"]], "to_class_id": foreign_class["id"]}

    body = await _change(api, "POST", f"{students_path(source['id'])}/move", request, status=404)

    error = assert_error(body, "CLASS_NOT_FOUND")
    assert error["details"] == {"class_ids": [foreign_class["id"]], "student_ids": [unknown, foreign["id"]]}
    assert await api.counts() == before
    body = await _change(api, "DELETE", students_path(source["id"]), {"student_ids": [unknown]}, status=404)
    assert assert_error(body, "STUDENT_NOT_FOUND")["details"] == {"class_ids": [], "student_ids": [unknown]}
    assert (await api.get_json(f"/v1/classes/students/{mine['id']}"))["class_ids"] == [source["id"]]
