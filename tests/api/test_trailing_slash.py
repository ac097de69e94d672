"""Every documented route answers the same with or without a trailing slash, never with a redirect."""

from __future__ import annotations

import re
import uuid

from tests.api.conftest import INTERNAL_KEY, Api, assert_error

UNKNOWN = "5b0c3a8e-7f9d-4e21-9a55-0d6c2f1e8b47"
METHODS = ("get", "post", "put", "delete")


def _both_forms(path: str) -> tuple[str, str]:
    bare = path.rstrip("/") or "/"
    return bare, f"{bare}/"


async def test_every_documented_operation_answers_alike_with_or_without_a_trailing_slash(api: Api) -> None:
    document = await api.get_json("/openapi.json")
    headers = {**api.headers(), "X-Internal-API-Key": INTERNAL_KEY, "X-Service-ID": "nlp_service"}
    checked = 0
    for template, operations in document["paths"].items():
        path = re.sub(r"\{[^}]+\}", UNKNOWN, template)  # unknown ids: nothing is changed or deleted
        assert set(operations) & set(METHODS), template
        for method in METHODS:  # the undocumented ones too: their 405 must not depend on the slash
            answers = []
            for form in _both_forms(path):
                body: dict[str, object] | None = {} if method in ("post", "put") else None
                response = await api.client.open(form, method=method.upper(), json=body, headers=headers)
                assert response.status_code != 308, form
                assert "html" not in response.content_type, (method, form)
                answers.append((response.status_code, response.content_type, response.headers.get("Allow")))
            assert answers[0] == answers[1], (method, template, answers)
            checked += 1
    assert checked == 4 * len(document["paths"]) >= 4 * 12


async def test_collections_list_and_create_with_or_without_a_trailing_slash(api: Api) -> None:
    for path in _both_forms("/v1/classes"):
        created = await api.client.post(
            path, json={"name": f"9A {uuid.uuid4()}", "course_codes": ["ENG5"]}, headers=api.headers()
        )
        assert created.status_code == 201
    for path in _both_forms("/v1/classes/students"):
        created = await api.client.post(
            path, json={"person_name": {"first_name": "Ada", "last_name": path}}, headers=api.headers()
        )
        assert created.status_code == 201

    classes = [await api.get_json(path) for path in _both_forms("/v1/classes")]
    students = [await api.get_json(path) for path in _both_forms("/v1/classes/students")]

    assert classes[0] == classes[1]
    assert classes[0]["pagination"]["total"] == 2
    assert students[0] == students[1]
    assert students[0]["pagination"]["total"] == 2


async def test_a_resource_reads_alike_with_or_without_a_trailing_slash(api: Api) -> None:
    school_class = await api.create_class()
    student = await api.create_student(class_ids=[school_class["id"]])

    for path in (f"/v1/classes/{school_class['id']}", f"/v1/classes/students/{student['id']}"):
        bare, slashed = _both_forms(path)
        assert await api.get_json(bare) == await api.get_json(slashed)
    roster = [await api.get_json(p) for p in _both_forms(f"/v1/classes/{school_class['id']}/roster")]
    assert roster[0] == roster[1]


async def test_a_wrong_method_is_a_405_with_or_without_a_trailing_slash(api: Api) -> None:
    for path in _both_forms("/v1/classes"):
        response = await api.client.put(path, json={}, headers=api.headers())
        assert response.status_code == 405
        assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}
        assert_error(await response.get_json(), "METHOD_NOT_ALLOWED")


async def test_doubled_slashes_are_not_redirected(api: Api) -> None:
    response = await api.client.get("/v1/classes//", headers=api.headers())

    assert response.status_code != 308
    assert response.content_type == "application/json"
