"""POST /v1/classes/students/import with JSON: per-row errors, modes, dry run, atomic, keys, ownership."""

from __future__ import annotations

from tests.api.conftest import SMOKE_ON_BOTH_BACKENDS, Api, Json, assert_error

pytestmark = SMOKE_ON_BOTH_BACKENDS

IMPORT = "/v1/classes/students/import"
ADA: Json = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "external_id": "S1"}
ALAN: Json = {"first_name": "Alan", "last_name": "Turing", "external_id": "S2"}


async def post(api: Api, body: Json, status: int = 200, **headers: str) -> Json:
    response = await api.client.post(IMPORT, json=body, headers=api.headers(**headers))
    assert response.status_code == status, await response.get_data(as_text=True)
    answer: Json = await response.get_json()
    return answer


def outcomes(body: Json) -> list[str]:
    return [result["outcome"] for result in body["results"]]


async def test_each_student_is_checked_on_its_own_and_every_error_is_listed(api: Api) -> None:
    students = [
        ADA,
        {"first_name": 7, "last_name": "x" * 256, "email": "nope", "nickname": "A"},
        "not an object",
        {"first_name": " ", "last_name": "", "email": "grace@example.com"},
        {"last_name": "Hopper", "external_id": " "},
    ]
    body = await post(api, {"students": students})

    assert body["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "invalid": 4}
    assert [result["row"] for result in body["results"]] == [1, 2, 3, 4, 5]
    errors = [{error["field"] for error in result["errors"]} for result in body["results"]]
    assert errors == [
        set(),
        {"first_name", "last_name", "email", "nickname"},
        {"student"},
        {"first_name"},
        {"first_name", "external_id"},
    ]
    assert all(error["message"] for result in body["results"] for error in result["errors"])


async def test_the_top_level_is_strict(api: Api) -> None:
    bodies: list[Json] = [
        {"students": [ADA], "sheet": 1},
        {"students": [ADA], "mode": "replace"},
        {"students": {}},
        {},
    ]
    for body in bodies:
        assert_error(await post(api, body, 400), "VALIDATION_ERROR")
    response = await api.client.post(
        IMPORT,
        data=b'{"students": [], "mode": "upsert", "mode": "create_only"}',
        headers={**api.headers(), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    options = await api.client.post(
        f"{IMPORT}?mode=upsert", json={"students": [ADA], "mode": "upsert"}, headers=api.headers()
    )
    assert options.status_code == 400  # an option in both places
    assert (await api.counts())["students"] == 0


async def test_modes_dry_run_and_re_upload_through_http(api: Api) -> None:
    school_class = await api.create_class()
    first = await post(api, {"students": [ADA, ALAN], "class_ids": [school_class["id"]]})
    assert outcomes(first) == ["created", "created"]
    events = len(await api.outbox())

    again = await post(api, {"students": [ADA, ALAN], "class_ids": [school_class["id"]]})
    assert outcomes(again) == ["unchanged", "unchanged"]
    assert [r["student_id"] for r in again["results"]] == [r["student_id"] for r in first["results"]]
    assert len(await api.outbox()) == events  # nothing written, nothing to publish

    renamed = {**ALAN, "last_name": "M. Turing"}
    grace = {"first_name": "Grace", "last_name": "Hopper", "external_id": "S3"}
    skipped = await post(api, {"students": [renamed, grace]})
    assert outcomes(skipped) == ["skipped", "created"]

    dry = await post(
        api,
        {
            "students": [renamed, {**grace, "email": "grace@example.com"}],
            "mode": "update_only",
            "dry_run": True,
        },
    )
    assert dry["dry_run"] is True
    assert outcomes(dry) == ["updated", "updated"]
    assert len(await api.outbox()) == events + 2  # grace's create and the summary; the dry run wrote nothing
    alan = await api.get_json(f"/v1/classes/students/{first['results'][1]['student_id']}")
    assert alan["last_name"] == "Turing"

    real = await post(api, {"students": [renamed], "mode": "upsert"})
    assert outcomes(real) == ["updated"]
    alan = await api.get_json(f"/v1/classes/students/{first['results'][1]['student_id']}")
    assert alan["last_name"] == "M. Turing"
    unknown = await post(
        api, {"students": [{"first_name": "Nobody", "last_name": "Known"}], "mode": "update_only"}
    )
    assert (outcomes(unknown), unknown["counts"]["skipped"]) == (["skipped"], 1)


async def test_an_atomic_import_with_an_invalid_row_is_a_400_listing_it_and_writes_nothing(api: Api) -> None:
    before = await api.counts()
    body = await post(api, {"students": [ADA, {**ALAN, "email": "x"}], "atomic": True}, 400)

    error = assert_error(body, "IMPORT_REJECTED")
    assert error["details"]["invalid_rows"] == [
        {
            "row": 2,
            "errors": [
                {"field": "email", "message": error["details"]["invalid_rows"][0]["errors"][0]["message"]}
            ],
        }
    ]
    assert await api.counts() == before
    assert outcomes(await post(api, {"students": [ADA, ALAN], "atomic": True})) == ["created", "created"]


async def test_a_class_of_another_teacher_is_a_404_and_nothing_is_written(api: Api) -> None:
    foreign = await api.create_class(user="another-teacher")
    before = await api.counts()
    body = await post(api, {"students": [ADA], "class_ids": [foreign["id"]]}, 404)
    assert_error(body, "CLASS_NOT_FOUND")
    assert await api.counts() == before


async def test_an_idempotency_key_replays_the_first_answer_and_writes_once(api: Api) -> None:
    headers = {**api.headers(), "Content-Type": "text/csv", "Idempotency-Key": "import-1"}
    roster = b"first_name,last_name,external_id\nAda,Lovelace,S1\n"
    first = await api.client.post(IMPORT, data=roster, headers=headers, query_string={"mode": "upsert"})
    events = len(await api.outbox())
    again = await api.client.post(IMPORT, data=roster, headers=headers, query_string={"mode": "upsert"})

    assert (first.status_code, again.status_code) == (200, 200)
    assert await again.get_json() == await first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(await api.outbox()) == events
    assert (await api.counts())["students"] == 1

    reordered = await api.client.post(
        IMPORT, data=roster, headers=headers, query_string=[("dry_run", "false"), ("mode", "upsert")]
    )
    assert reordered.status_code == 422  # another option given: another request
    keyed_options = {**headers, "Idempotency-Key": "import-options"}
    in_order = [("mode", "upsert"), ("dry_run", "true")]
    first_options = await api.client.post(IMPORT, data=roster, headers=keyed_options, query_string=in_order)
    swapped = await api.client.post(IMPORT, data=roster, headers=keyed_options, query_string=in_order[::-1])
    assert swapped.headers["Idempotent-Replayed"] == "true"  # the same options in another order
    assert await swapped.get_json() == await first_options.get_json()
    other_query = await api.client.post(
        IMPORT, data=roster, headers=headers, query_string={"mode": "create_only"}
    )
    assert other_query.status_code == 422
    other_body = await api.client.post(
        IMPORT, data=roster + b"Alan,Turing,S2\n", headers=headers, query_string={"mode": "upsert"}
    )
    assert other_body.status_code == 422

    keyed = api.headers(**{"Idempotency-Key": "import-2"})
    json_first = await api.client.post(IMPORT, json={"students": [ALAN], "mode": "upsert"}, headers=keyed)
    json_again = await api.client.post(IMPORT, json={"mode": "upsert", "students": [ALAN]}, headers=keyed)
    assert await json_again.get_json() == await json_first.get_json()
    assert json_again.headers["Idempotent-Replayed"] == "true"
    assert (await api.counts())["students"] == 2
