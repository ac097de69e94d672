"""The roster over HTTP reads as people read names, the same on every backend."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

pytestmark = pytest.mark.parametrize("backend", ["memory", "sqlite", "postgres"])


async def test_roster_orders_names_by_unicode_collation_not_bytes(api: Api) -> None:
    school_class = await api.create_class()
    for last_name in ["Zulu", "Öst", "berg", "Adams", "Åberg"]:
        names = {"first_name": "Ann", "last_name": last_name}
        await api.create_student(person_name=names, class_ids=[school_class["id"]])

    body = await api.get_json(f"/v1/classes/{school_class['id']}/roster")

    assert [line["last_name"] for line in body["students"]] == ["Åberg", "Adams", "berg", "Öst", "Zulu"]
    for line in body["students"]:
        assert line["id"] == line["student_id"]
        assert line["legal_full_name"] == line["full_legal_name"] == f"Ann {line['last_name']}"
