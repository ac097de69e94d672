"""Roster changes and single-student updates on the same students at once: no deadlock, no lost write."""

from __future__ import annotations

import asyncio

from tests.api.conftest import Api


async def test_overlapping_roster_changes_and_puts_all_commit_and_agree_with_their_events(api: Api) -> None:
    source, target, choir = [await api.create_class(name) for name in ("7A", "7B", "Choir")]
    students = [await api.create_student(class_ids=[source["id"]]) for _ in range(12)]
    ids = [student["id"] for student in students]
    before = len(await api.outbox())

    async def send(method: str, path: str, body: object) -> int:
        response = await api.client.open(path, method=method, json=body, headers=api.headers())
        return response.status_code

    move = {"student_ids": ids, "to_class_id": target["id"]}
    requests = [
        send("POST", f"/v1/classes/{source['id']}/students/move", move),
        send("POST", f"/v1/classes/{choir['id']}/students", {"student_ids": ids[::-1]}),
        *(
            send("PUT", f"/v1/classes/students/{student_id}", {"add_class_ids": [choir["id"]]})
            for student_id in ids[::3]
        ),
        *(
            send("PUT", f"/v1/classes/students/{student_id}", {"person_name": {"first_name": "Renamed"}})
            for student_id in ids[1::3]
        ),
    ]
    statuses = await asyncio.gather(*requests)

    assert set(statuses) == {200}
    for student_id in ids:
        found = await api.get_json(f"/v1/classes/students/{student_id}")
        assert sorted(found["class_ids"]) == sorted([target["id"], choir["id"]])
    joins = [
        row.envelope["data"]
        for row in (await api.outbox())[before:]
        if row.topic == "huleedu.class.student.updated.v1" and row.envelope["data"]["add_class_ids"]
    ]
    # Each student joined the choir exactly once, by whichever write came first.
    choir_joins = sorted(data["student_id"] for data in joins if choir["id"] in data["add_class_ids"])
    assert choir_joins == sorted(ids)
