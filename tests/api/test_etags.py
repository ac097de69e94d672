"""ETag, If-None-Match and If-Match on classes and students, on every backend."""

from __future__ import annotations

import asyncio

from tests.api.conftest import Api, Json, assert_error
from tests.api.matching import MATCHING_BACKENDS

pytestmark = MATCHING_BACKENDS


async def _class(api: Api) -> tuple[Json, str]:
    response = await api.client.post(
        "/v1/classes/", json={"name": "9A", "course_codes": ["ENG5"]}, headers=api.headers()
    )
    assert response.status_code == 201
    return await response.get_json(), response.headers["ETag"]


async def _get(api: Api, path: str, **headers: str) -> tuple[int, str | None, bytes]:
    response = await api.client.get(path, headers=api.headers(**headers))
    return response.status_code, response.headers.get("ETag"), await response.get_data(as_text=False)


async def test_get_returns_the_tag_the_create_returned_when_nothing_changed(api: Api) -> None:
    created, tag = await _class(api)
    status, got, _ = await _get(api, f"/v1/classes/{created['id']}")
    assert status == 200
    assert got == tag
    assert tag.startswith('"')
    assert tag.endswith('"')


async def test_get_is_a_bodiless_304_when_if_none_match_holds_the_current_tag(api: Api) -> None:
    created, tag = await _class(api)
    path = f"/v1/classes/{created['id']}"
    for held in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        status, got, body = await _get(api, path, **{"If-None-Match": held})
        assert (status, got, body) == (304, tag, b""), held
    status, _, _ = await _get(api, path, **{"If-None-Match": '"stale-tag"'})
    assert status == 200


async def test_put_is_refused_with_412_and_writes_nothing_when_if_match_is_stale(api: Api) -> None:
    created, stale = await _class(api)
    path = f"/v1/classes/{created['id']}"
    renamed = await api.client.put(path, json={"name": "9B"}, headers=api.headers(**{"If-Match": stale}))
    assert renamed.status_code == 200
    current = renamed.headers["ETag"]
    assert current != stale
    events = len(await api.outbox())

    response = await api.client.put(path, json={"name": "9C"}, headers=api.headers(**{"If-Match": stale}))

    assert response.status_code == 412
    assert_error(await response.get_json(), "PRECONDITION_FAILED")
    assert (await api.get_json(path))["name"] == "9B"
    assert len(await api.outbox()) == events
    assert await _get(api, path, **{"If-None-Match": current}) == (304, current, b"")


async def test_delete_is_refused_with_412_when_if_match_is_stale_and_runs_when_current(api: Api) -> None:
    created, stale = await _class(api)
    path = f"/v1/classes/{created['id']}"
    renamed = await api.client.put(path, json={"name": "9B"}, headers=api.headers())

    refused = await api.client.delete(path, headers=api.headers(**{"If-Match": stale}))
    weak = await api.client.delete(path, headers=api.headers(**{"If-Match": f"W/{renamed.headers['ETag']}"}))
    deleted = await api.client.delete(path, headers=api.headers(**{"If-Match": renamed.headers["ETag"]}))

    assert (refused.status_code, weak.status_code, deleted.status_code) == (412, 412, 200)
    assert (await _get(api, path))[0] == 404


async def test_if_match_star_writes_when_the_resource_exists_and_is_a_404_when_not(api: Api) -> None:
    created, _ = await _class(api)
    path = f"/v1/classes/{created['id']}"
    star = api.headers(**{"If-Match": "*"})
    assert (await api.client.put(path, json={"name": "9B"}, headers=star)).status_code == 200
    assert (await api.client.delete(path, headers=star)).status_code == 200
    assert (await api.client.put(path, json={"name": "9C"}, headers=star)).status_code == 404


async def test_only_one_of_two_writes_with_the_same_tag_succeeds_when_they_race(api: Api) -> None:
    created, tag = await _class(api)
    path = f"/v1/classes/{created['id']}"
    headers = api.headers(**{"If-Match": tag})

    results = await asyncio.gather(
        *(api.client.put(path, json={"name": f"9{n}"}, headers=headers) for n in "BCD")
    )

    assert sorted(r.status_code for r in results) == [200, 412, 412]


async def test_tag_changes_when_a_student_joins_the_class(api: Api) -> None:
    created, tag = await _class(api)
    await api.create_student(class_ids=[created["id"]])
    status, got, _ = await _get(api, f"/v1/classes/{created['id']}", **{"If-None-Match": tag})
    assert status == 200
    assert got != tag


async def test_student_routes_tag_and_honour_preconditions(api: Api) -> None:
    response = await api.client.post(
        "/v1/classes/students",
        json={"person_name": {"first_name": "Ada", "last_name": "Lovelace"}},
        headers=api.headers(),
    )
    tag = response.headers["ETag"]
    path = f"/v1/classes/students/{(await response.get_json())['id']}"
    assert await _get(api, path, **{"If-None-Match": tag}) == (304, tag, b"")

    moved = await api.client.put(
        path, json={"email": "ada@example.com"}, headers=api.headers(**{"If-Match": tag})
    )
    stale = await api.client.put(
        path, json={"email": "x@example.com"}, headers=api.headers(**{"If-Match": tag})
    )
    gone = await api.client.delete(path, headers=api.headers(**{"If-Match": tag}))

    assert (moved.status_code, stale.status_code, gone.status_code) == (200, 412, 412)
    assert moved.headers["ETag"] != tag
    assert (await _get(api, path, **{"If-None-Match": moved.headers["ETag"]}))[0] == 304
    assert_error(await stale.get_json(), "PRECONDITION_FAILED")
    assert (await api.get_json(path))["email"] == "ada@example.com"


async def test_replayed_create_carries_the_same_tag_when_the_key_repeats(api: Api) -> None:
    body = {"name": "9A", "course_codes": ["ENG5"]}
    headers = api.headers(**{"Idempotency-Key": "etag-replay"})
    first = await api.client.post("/v1/classes/", json=body, headers=headers)
    again = await api.client.post("/v1/classes/", json=body, headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"]


async def test_no_op_put_is_412_when_stale_and_a_200_writing_nothing_when_current(api: Api) -> None:
    created, stale = await _class(api)
    path = f"/v1/classes/{created['id']}"
    renamed = await api.client.put(path, json={"name": "9B"}, headers=api.headers())
    current = renamed.headers["ETag"]
    before, events = await api.get_json(path), len(await api.outbox())

    refused = await api.client.put(path, json={"name": "9B"}, headers=api.headers(**{"If-Match": stale}))
    same = await api.client.put(path, json={"name": "9B"}, headers=api.headers(**{"If-Match": current}))

    assert refused.status_code == 412
    assert_error(await refused.get_json(), "PRECONDITION_FAILED")
    assert same.status_code == 200
    assert await same.get_json() == before
    assert same.headers["ETag"] == current
    assert await api.get_json(path) == before
    assert len(await api.outbox()) == events
