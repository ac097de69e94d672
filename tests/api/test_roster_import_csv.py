"""POST /v1/classes/students/import with a CSV body: dialects, line numbers, malformed files, limits."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.api.conftest import Api, Client, Json, api_settings, assert_error, serving_client
from tests.conftest import unique_user

IMPORT = "/v1/classes/students/import"
ALL_CREATED = {"created": 3, "updated": 0, "unchanged": 0, "skipped": 0, "invalid": 0}


async def upload(api: Api, body: bytes, status: int = 200, **query: str) -> Json:
    headers = {**api.headers(), "Content-Type": "text/csv; charset=utf-8"}
    response = await api.client.post(IMPORT, data=body, headers=headers, query_string=query)
    assert response.status_code == status, await response.get_data(as_text=True)
    answer: Json = await response.get_json()
    return answer


async def students_by_id(api: Api) -> dict[str, Json]:
    listed = await api.get_json("/v1/classes/students?limit=100")
    return {student["id"]: student for student in listed["students"]}


async def test_a_semicolon_file_with_a_bom_crlf_aliases_and_quoted_fields_imports_every_row(api: Api) -> None:
    school_class = await api.create_class()
    roster = (
        "\ufeffGivenName;FAMILYNAME;sourcedId;Email\r\n"
        'Ada;Lovelace;sis-1;Ada@Example.COM\r\n"Alan; M., ""Al""";"Turing\r\nthe second";sis-2;\r\n'
        "\r\n"
        "Grace;Hopper;sis-3;grace@example.com\r\n"
    )
    body = await upload(api, roster.encode(), class_ids=school_class["id"])

    assert body["counts"] == ALL_CREATED
    assert [(r["row"], r["outcome"], r["errors"]) for r in body["results"]] == [
        (2, "created", []),
        (3, "created", []),  # spans lines 3 and 4
        (6, "created", []),  # line 5 is blank
    ]
    assert (body["mode"], body["dry_run"], body["atomic"]) == ("create_only", False, False)
    assert body["class_ids"] == [school_class["id"]]
    students = await students_by_id(api)
    ada, alan, grace = (students[r["student_id"]] for r in body["results"])
    assert (ada["first_name"], ada["email"], ada["class_ids"]) == (
        "Ada",
        "Ada@example.com",
        [school_class["id"]],
    )
    assert (alan["first_name"], alan["last_name"], alan["email"]) == (
        'Alan; M., "Al"',
        "Turing\r\nthe second",
        None,
    )
    assert grace["legal_full_name"] == "Grace Hopper"


async def test_a_comma_file_with_lf_endings_and_every_column_imports(api: Api) -> None:
    roster = (
        "first_name,last_name,legal_full_name,email,external_id\n"
        'Ada,Lovelace,"Augusta Ada King, Countess of Lovelace",ada@example.com,S1\n'
        "Alan,Turing,,,\n"
        ",Hopper,,grace@example.com,S3\n"
    )
    body = await upload(api, roster.encode())

    assert body["counts"] == ALL_CREATED
    students = await students_by_id(api)
    ada, alan, grace = (students[r["student_id"]] for r in body["results"])
    assert ada["legal_full_name"] == "Augusta Ada King, Countess of Lovelace"
    assert (alan["email"], alan["legal_full_name"]) == (None, "Alan Turing")
    assert (grace["first_name"], grace["last_name"]) == ("", "Hopper")


async def test_invalid_rows_are_listed_with_every_error_and_the_valid_rows_are_written(api: Api) -> None:
    roster = (
        "first_name,last_name,email,external_id\n"
        "Ada,Lovelace,ada@example.com,S1\n"
        ",  ,not-an-email,S2\n"
        "Alan,Turing,alan@example.com,S3\n"
        f"{'x' * 256},Hopper,grace@school.test,S4\n"
        "Alan,Turing,ALAN@example.com,S5\n"
    )
    body = await upload(api, roster.encode())

    assert body["counts"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "invalid": 4}
    results = body["results"]
    assert [r["outcome"] for r in results] == ["created", "invalid", "invalid", "invalid", "invalid"]
    assert {e["field"] for e in results[1]["errors"]} == {"email", "first_name"}
    assert results[1]["student_id"] is None
    assert {e["field"] for e in results[3]["errors"]} == {"first_name", "email"}
    assert "special-use" in next(e["message"] for e in results[3]["errors"] if e["field"] == "email")
    assert (
        [e["field"] for e in results[2]["errors"]] == [e["field"] for e in results[4]["errors"]] == ["email"]
    )
    assert len(await students_by_id(api)) == 1


@pytest.mark.parametrize(
    ("roster", "line", "columns"),
    [
        (b"first_name,last_name,nickname\nAda,Lovelace,A\n", 1, ["nickname"]),
        (b"first_name,last_name,givenName\nAda,Lovelace,A\n", 1, ["first_name", "givenName"]),
        (b"first_name,email\nAda,a@example.com\n", 1, ["last_name"]),
        (b"", 1, None),
        (b"first_name,last_name\nAda,Lovelace\nAlan\n", 3, None),  # a ragged row
        (b"first_name,last_name\nAda,Lovelace\nAlan,Turing,x\n", 3, None),
        (b"first_name,last_name\nAda,Lovelace\n\n\xffAlan,Turing\n", 4, None),  # not UTF-8
        (b'first_name,last_name\nAda,Lovelace\n"Alan,Turing\nGrace,Hopper\n', 3, None),  # unclosed quote
        (b'first_name,last_name\nAda,"Love"lace\n', 2, None),
    ],
)
async def test_a_malformed_file_is_a_400_naming_the_line_and_writes_nothing(
    api: Api, roster: bytes, line: int, columns: list[str] | None
) -> None:
    before = await api.counts()
    body = await upload(api, roster, 400)

    error = assert_error(body, "MALFORMED_UPLOAD")
    assert error["details"]["line"] == line
    assert error["message"].startswith(f"Line {line}: ")
    if columns is not None:
        assert error["details"]["columns"] == columns
    assert await api.counts() == before


async def test_options_come_from_the_query_and_unknown_parameters_are_refused(api: Api) -> None:
    first, second = await api.create_class("9A"), await api.create_class("9B")
    roster = b"first_name,last_name,email\nAda,Lovelace,ada@example.com\n"
    headers = {**api.headers(), "Content-Type": "text/csv"}
    query = f"class_ids={first['id']}&class_ids={second['id']},{first['id']}&dry_run=true&mode=upsert"
    response = await api.client.post(f"{IMPORT}?{query}", data=roster, headers=headers)
    body = await response.get_json()
    assert response.status_code == 200, body
    assert (body["mode"], body["dry_run"], body["class_ids"]) == ("upsert", True, [first["id"], second["id"]])
    assert body["counts"]["created"] == 1
    assert await students_by_id(api) == {}  # a dry run

    refused = await upload(api, roster, 400, sheet="1")
    assert "sheet" in assert_error(refused, "VALIDATION_ERROR")["message"]
    assert_error(await upload(api, roster, 400, class_ids="not-a-uuid"), "VALIDATION_ERROR")
    assert_error(await upload(api, roster, 400, mode="replace"), "VALIDATION_ERROR")


async def test_other_media_types_and_charsets_are_a_415(api: Api) -> None:
    roster = b"first_name,last_name\nAda,Lovelace\n"
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "text/csv; charset=latin-1"):
        headers = {**api.headers(), "Content-Type": content_type}
        response = await api.client.post(IMPORT, data=roster, headers=headers)
        assert response.status_code == 415, content_type
        assert_error(await response.get_json(), "UNSUPPORTED_MEDIA_TYPE")
    response = await api.client.post(
        "/v1/classes/students", data=roster, headers={**api.headers(), "Content-Type": "text/csv"}
    )
    assert response.status_code == 415  # only the import takes CSV


@pytest.fixture
async def small_limits(clean_pg: AsyncEngine, postgres_url: str) -> AsyncIterator[Client]:
    settings = api_settings(postgres_url, import_max_rows=2, import_max_bytes=4096, max_body_bytes=1024)
    async with serving_client(settings) as client:
        yield client


async def _post_csv(client: Client, user: str, body: bytes) -> tuple[int, Json]:
    headers = {"X-User-ID": user, "Content-Type": "text/csv"}
    response = await client.post(IMPORT, data=body, headers=headers)
    return response.status_code, await response.get_json()


async def test_the_import_has_its_own_limits_beyond_which_it_is_a_413_naming_the_limit(
    small_limits: Client,
) -> None:
    user = unique_user()
    long_names = f"{'a' * 255},{'b' * 255},{'c' * 255}\n"
    within = ("first_name,last_name,legal_full_name\n" + long_names * 2).encode()
    assert 1024 < len(within) < 4096  # beyond the other routes' limit, within the import's

    status, body = await _post_csv(small_limits, user, within)
    assert (status, body["counts"]["created"]) == (200, 2)

    status, body = await _post_csv(small_limits, user, b"first_name,last_name\n" + b"a,b\n\n" * 3)
    assert status == 413
    error = assert_error(body, "PAYLOAD_TOO_LARGE")
    assert error["details"] == {"limit": "IMPORT_MAX_ROWS", "maximum": 2}

    status, body = await _post_csv(small_limits, user, b"first_name,last_name\n" + b"a,b\n" * 1100)
    assert status == 413
    error = assert_error(body, "PAYLOAD_TOO_LARGE")
    assert error["details"] == {"limit": "IMPORT_MAX_BYTES", "maximum": 4096}
    assert "IMPORT_MAX_BYTES" in error["message"]

    response = await small_limits.post(
        "/v1/classes/",
        json={"name": "x" * 200, "course_codes": ["ENG5"], "pad": "y" * 1024},
        headers={"X-User-ID": user},
    )
    assert response.status_code == 413  # every other route keeps MAX_BODY_BYTES
