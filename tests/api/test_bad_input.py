"""Bad requests, route by route: the exact status and error code, one envelope, and nothing written."""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote
from uuid import UUID

import pytest
from quart.wrappers import Response

from tests.api.conftest import INTERNAL_KEY, Api, Json, assert_error
from tests.conftest import unique_user

Auth = Literal[
    "owner", "none", "blank", "too-long", "nbsp", "wrong-key", "key-without-service", "owner-with-wrong-key"
]
NO_BODY: Any = object()
UNKNOWN_ID = "5b0c3a8e-7f9d-4e21-9a55-0d6c2f1e8b47"
MIB = 1024 * 1024
LEAKS = ("Traceback", 'File "', "sqlalchemy", "asyncpg", "psycopg", "SELECT ", "INSERT INTO", "DELETE FROM")


@dataclass(frozen=True)
class Bad:
    """One bad request and what the API must answer; paths name ``{class_id}``/``{student_id}``."""

    method: str
    path: str
    status: int
    code: str
    json: Any = NO_BODY
    raw: bytes | None = None
    content_type: str = "application/json"
    auth: Auth = "owner"
    loc: str | None = None


@dataclass(frozen=True)
class World:
    """The caller's own class and student, and how they looked before the bad request."""

    class_id: str
    student_id: str
    snapshot: tuple[Json, Json]


def _headers(api: Api, auth: Auth) -> dict[str, str]:
    return {
        "owner": api.headers(),
        "none": {},
        "blank": {"X-User-ID": "   "},
        "too-long": {"X-User-ID": "t" * 256},
        "nbsp": {"X-User-ID": api.user + "\xa0"},
        "wrong-key": {"X-Internal-API-Key": "not-the-key", "X-Service-ID": "nlp_service"},
        "key-without-service": {"X-Internal-API-Key": INTERNAL_KEY},
        "owner-with-wrong-key": {**api.headers(), "X-Internal-API-Key": "not-the-key", "X-Service-ID": "x"},
    }[auth]


async def send(api: Api, case: Bad, world: World, correlation_id: str) -> Response:
    path = case.path.format(class_id=world.class_id, student_id=world.student_id)
    headers = {**_headers(api, case.auth), "X-Correlation-ID": correlation_id}
    kwargs: dict[str, Any] = {"method": case.method, "headers": headers}
    if case.raw is not None:
        kwargs["data"] = case.raw
        headers["Content-Type"] = case.content_type
    elif case.json is not NO_BODY:
        kwargs["json"] = case.json
    return await api.client.open(path, **kwargs)


async def _snapshot(api: Api, class_id: str, student_id: str) -> tuple[Json, Json]:
    return (
        await api.get_json(f"/v1/classes/{class_id}"),
        await api.get_json(f"/v1/classes/students/{student_id}"),
    )


@pytest.fixture
async def world(api: Api) -> World:
    school_class = await api.create_class()
    student = await api.create_student(email="ada@example.com", class_ids=[school_class["id"]])
    return World(school_class["id"], student["id"], await _snapshot(api, school_class["id"], student["id"]))


def _class(name: object = "9A", codes: object = ("ENG5",)) -> Json:
    return {"name": name, "course_codes": list(codes) if isinstance(codes, tuple) else codes}


def _student(first: object = "Ada", last: object = "Lovelace", **extra: object) -> Json:
    return {"person_name": {"first_name": first, "last_name": last}, **extra}


def _cursor(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _naive_cursor() -> str:
    return _cursor(f"2025-01-01T00:00:00|{UNKNOWN_ID}")


# Both once overflowed on conversion to UTC (a 500); the service only issues UTC cursors.
EARLIEST_EAST = "0001-01-01T00:00:00+14:00|00000000-0000-0000-0000-000000000000"
LATEST_WEST = "9999-12-31T23:59:59-14:00|00000000-0000-0000-0000-000000000000"


CLASSES, CLASS, STUDENTS, STUDENT = (
    "/v1/classes/",
    "/v1/classes/{class_id}",
    "/v1/classes/students",
    "/v1/classes/students/{student_id}",
)
V, CNF = "VALIDATION_ERROR", "CLASS_NOT_FOUND"
AUTH = "AUTHENTICATION_ERROR"
HUGE = "x" * MIB

BAD_REQUESTS = [
    # --- POST /v1/classes/
    pytest.param(Bad("POST", CLASSES, 400, V, raw=b'{"name": "9A", '), id="class-create-malformed-json"),
    pytest.param(Bad("POST", CLASSES, 400, V, raw=b""), id="class-create-empty-body"),
    pytest.param(Bad("POST", CLASSES, 400, V, raw=b'{"name": "\xff9A"}'), id="class-create-not-utf8"),
    pytest.param(Bad("POST", CLASSES, 401, AUTH, raw=b"\x9a<\xfe", auth="none"), id="no-user-not-utf8"),
    pytest.param(Bad("POST", CLASSES, 400, V, json=None), id="class-create-null-body"),
    pytest.param(Bad("POST", CLASSES, 400, V, json=[_class()]), id="class-create-array-body"),
    pytest.param(
        Bad("POST", CLASSES, 400, V, json={"course_codes": ["ENG5"]}, loc="name"), id="class-no-name"
    ),
    pytest.param(Bad("POST", CLASSES, 400, V, json={"name": "9A"}, loc="course_codes"), id="class-no-codes"),
    pytest.param(Bad("POST", CLASSES, 400, V, json=_class(name=5), loc="name"), id="class-name-int"),
    pytest.param(Bad("POST", CLASSES, 400, V, json=_class(codes="ENG5"), loc="course_codes"), id="codes-str"),
    pytest.param(Bad("POST", CLASSES, 400, V, json=_class(codes=[5]), loc="course_codes"), id="code-int"),
    pytest.param(Bad("POST", CLASSES, 400, V, json=_class(codes=[]), loc="course_codes"), id="codes-empty"),
    pytest.param(
        Bad("POST", CLASSES, 400, "COURSE_NOT_FOUND", json=_class(codes=["XYZ9"])), id="code-unknown"
    ),
    pytest.param(
        Bad("POST", CLASSES, 400, "MULTIPLE_COURSE_ERROR", json=_class(codes=["ENG5", "SV1"])), id="two-codes"
    ),
    pytest.param(Bad("POST", CLASSES, 400, V, json=_class(name="x" * 256), loc="name"), id="class-name-256"),
    pytest.param(Bad("POST", CLASSES, 400, V, json=_class(name="   "), loc="name"), id="class-name-blank"),
    pytest.param(Bad("POST", CLASSES, 400, V, json=_class(name="9\x00A"), loc="name"), id="class-name-nul"),
    pytest.param(
        Bad("POST", CLASSES, 413, "PAYLOAD_TOO_LARGE", json=_class(name=HUGE)), id="class-create-1mib"
    ),
    pytest.param(
        Bad("POST", CLASSES, 415, "UNSUPPORTED_MEDIA_TYPE", raw=b"name=9A", content_type="text/plain"),
        id="class-create-text-plain",
    ),
    pytest.param(Bad("POST", CLASSES, 401, AUTH, json=_class(), auth="none"), id="class-create-no-user"),
    pytest.param(Bad("POST", CLASSES, 401, AUTH, json=_class(), auth="blank"), id="class-create-blank-user"),
    pytest.param(Bad("POST", CLASSES, 401, AUTH, json=_class(), auth="too-long"), id="user-256"),
    pytest.param(Bad("POST", CLASSES, 401, AUTH, json=_class(), auth="nbsp"), id="user-nbsp"),
    pytest.param(
        Bad(
            "POST", CLASSES, 400, V, raw=b'{"name": "9A", "name": "9B", "course_codes": ["ENG5"]}', loc="name"
        ),
        id="class-create-duplicate-key",
    ),
    pytest.param(
        Bad(
            "POST",
            CLASSES,
            400,
            V,
            raw=b'{"name": "9A", "course_codes": ["ENG5"], "n\\u0061me": "9B"}',
            loc="name",
        ),
        id="class-create-duplicate-escaped-key",
    ),
    pytest.param(
        Bad(
            "POST", CLASSES, 400, V, raw=b'{"name": "9A", "course_codes": ["ENG5"], "x": 1, "x": 1}', loc="x"
        ),
        id="class-create-duplicate-unknown-key",
    ),
    pytest.param(Bad("POST", CLASSES, 401, AUTH, json=_class(codes=[]), auth="none"), id="no-user-bad-body"),
    pytest.param(Bad("POST", CLASSES, 401, AUTH, raw=b"{", auth="none"), id="no-user-malformed-body"),
    # --- GET /v1/classes/ (list)
    pytest.param(Bad("GET", CLASSES + "?limit=0", 400, V, loc="limit"), id="classes-limit-0"),
    pytest.param(Bad("GET", CLASSES + "?limit=101", 400, V, loc="limit"), id="classes-limit-101"),
    pytest.param(Bad("GET", CLASSES + "?limit=abc", 400, V, loc="limit"), id="classes-limit-abc"),
    pytest.param(Bad("GET", CLASSES + "?limit=1.5", 400, V, loc="limit"), id="classes-limit-float"),
    pytest.param(Bad("GET", CLASSES + "?offset=-1", 400, V, loc="offset"), id="classes-offset-negative"),
    pytest.param(Bad("GET", CLASSES + "?cursor=!!!not-a-cursor", 400, V), id="classes-cursor-garbage"),
    pytest.param(Bad("GET", CLASSES + "?cursor=" + _naive_cursor(), 400, V), id="classes-cursor-naive"),
    pytest.param(
        Bad("GET", CLASSES + "?cursor=" + _naive_cursor() + "&offset=2", 400, V), id="cursor-and-offset"
    ),
    pytest.param(Bad("GET", CLASSES, 401, AUTH, auth="none"), id="classes-list-no-user"),
    pytest.param(
        Bad("GET", CLASSES + "?cursor=" + _cursor(EARLIEST_EAST), 400, V), id="classes-cursor-year-0"
    ),
    pytest.param(
        Bad("GET", CLASSES + "?cursor=" + _cursor(LATEST_WEST), 400, V), id="classes-cursor-year-10000"
    ),
    # --- GET/PUT/DELETE /v1/classes/<id>
    pytest.param(Bad("GET", "/v1/classes/not-a-uuid", 400, V, loc="class_id"), id="class-get-bad-uuid"),
    pytest.param(Bad("GET", CLASS, 401, AUTH, auth="none"), id="class-get-no-user"),
    pytest.param(Bad("GET", f"/v1/classes/{UNKNOWN_ID}", 404, CNF), id="class-get-unknown"),
    pytest.param(
        Bad("PUT", "/v1/classes/12345", 400, V, json={"name": "x"}, loc="class_id"), id="class-put-bad-uuid"
    ),
    pytest.param(
        Bad("PUT", f"/v1/classes/{UNKNOWN_ID}", 404, CNF, json={"name": "x"}), id="class-put-unknown"
    ),
    pytest.param(Bad("PUT", CLASS, 400, V, raw=b'{"name": }'), id="class-put-malformed-json"),
    pytest.param(Bad("PUT", CLASS, 400, V, raw=b"\xe9t\xe9"), id="class-put-not-utf8"),
    pytest.param(Bad("PUT", CLASS, 400, V, json={"name": 5}, loc="name"), id="class-put-name-int"),
    pytest.param(Bad("PUT", CLASS, 400, V, json={"name": "x" * 256}, loc="name"), id="class-put-name-256"),
    pytest.param(Bad("PUT", CLASS, 400, V, json={"name": "a\x00"}, loc="name"), id="class-put-name-nul"),
    pytest.param(Bad("PUT", CLASS, 400, V, json={"name": ""}, loc="name"), id="class-put-name-empty"),
    pytest.param(
        Bad("PUT", CLASS, 400, V, json={"course_codes": []}, loc="course_codes"), id="class-put-no-codes"
    ),
    pytest.param(
        Bad("PUT", CLASS, 400, "COURSE_NOT_FOUND", json={"course_codes": ["NOPE"]}), id="class-put-unknown"
    ),
    pytest.param(
        Bad("PUT", CLASS, 400, "COURSE_NOT_FOUND", json={"name": "Renamed", "course_codes": ["NOPE"]}),
        id="class-put-rename-with-unknown-code",
    ),
    pytest.param(
        Bad("PUT", CLASS, 400, "MULTIPLE_COURSE_ERROR", json={"course_codes": ["SV1", "SV2"]}),
        id="class-put-two",
    ),
    pytest.param(Bad("PUT", CLASS, 413, "PAYLOAD_TOO_LARGE", json={"name": HUGE}), id="class-put-1mib"),
    pytest.param(
        Bad("PUT", CLASS, 415, "UNSUPPORTED_MEDIA_TYPE", raw=b"x", content_type="text/plain"),
        id="class-put-text",
    ),
    pytest.param(Bad("PUT", CLASS, 401, AUTH, json={"name": "x"}, auth="none"), id="class-put-no-user"),
    pytest.param(Bad("DELETE", "/v1/classes/nope", 400, V, loc="class_id"), id="class-delete-bad-uuid"),
    pytest.param(Bad("DELETE", f"/v1/classes/{UNKNOWN_ID}", 404, CNF), id="class-delete-unknown"),
    pytest.param(Bad("DELETE", CLASS, 401, AUTH, auth="blank"), id="class-delete-blank-user"),
    # --- roster
    pytest.param(Bad("GET", CLASS + "/roster", 401, AUTH, auth="none"), id="roster-no-credentials"),
    pytest.param(Bad("GET", CLASS + "/roster", 401, AUTH, auth="blank"), id="roster-blank-user"),
    pytest.param(Bad("GET", CLASS + "/roster", 401, AUTH, auth="wrong-key"), id="roster-wrong-key"),
    pytest.param(
        Bad("GET", CLASS + "/roster", 401, AUTH, auth="key-without-service"), id="roster-no-service-id"
    ),
    pytest.param(
        Bad("GET", CLASS + "/roster", 401, AUTH, auth="owner-with-wrong-key"), id="roster-user-bad-key"
    ),
    pytest.param(Bad("GET", "/v1/classes/nope/roster", 400, V, loc="class_id"), id="roster-bad-uuid"),
    pytest.param(Bad("GET", f"/v1/classes/{UNKNOWN_ID}/roster", 404, CNF), id="roster-unknown-class"),
    # --- POST /v1/classes/students
    pytest.param(Bad("POST", STUDENTS, 400, V, raw=b'{"person_name": {'), id="student-create-malformed-json"),
    pytest.param(Bad("POST", STUDENTS, 400, V, raw=b"\xc3\x28"), id="student-create-not-utf8"),
    pytest.param(Bad("POST", STUDENTS, 400, V, json={}, loc="person_name"), id="student-no-person-name"),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json={"person_name": "Ada"}, loc="person_name"), id="name-is-str"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json={"person_name": None}, loc="person_name"), id="name-null"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json={"person_name": {"first_name": "Ada"}}, loc="last_name"),
        id="student-no-last-name",
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student(first=5), loc="first_name"), id="first-name-int"
    ),
    pytest.param(Bad("POST", STUDENTS, 400, V, json=_student("", ""), loc="person_name"), id="names-empty"),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student(" ", "\t"), loc="person_name"), id="names-blank"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student("x" * 256), loc="first_name"), id="first-name-256"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student(last="y" * 256), loc="last_name"), id="last-256"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student("A\x00da"), loc="first_name"), id="first-name-nul"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student(last="\x00"), loc="last_name"), id="last-name-nul"
    ),
    pytest.param(
        Bad(
            "POST",
            STUDENTS,
            400,
            V,
            json={"person_name": {"first_name": "A", "last_name": "B", "legal_full_name": "A\x00B"}},
            loc="legal_full_name",
        ),
        id="legal-name-nul",
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student(email="not-an-email"), loc="email"), id="email-bad"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student(email="a@b@example.com"), loc="email"), id="email-2@"
    ),
    pytest.param(Bad("POST", STUDENTS, 400, V, json=_student(email=5), loc="email"), id="email-int"),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student(email="a\x00@example.com"), loc="email"), id="email-nul"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student(class_ids=["nope"]), loc="class_ids"), id="bad-uuid"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 400, V, json=_student(class_ids=UNKNOWN_ID), loc="class_ids"), id="ids-str"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 404, CNF, json=_student(class_ids=[UNKNOWN_ID])), id="class-id-unknown"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 413, "PAYLOAD_TOO_LARGE", json=_student(HUGE)), id="student-create-1mib"
    ),
    pytest.param(
        Bad("POST", STUDENTS, 415, "UNSUPPORTED_MEDIA_TYPE", raw=b"Ada", content_type="text/plain"),
        id="student-create-text-plain",
    ),
    pytest.param(Bad("POST", STUDENTS, 401, AUTH, json=_student(), auth="none"), id="student-create-no-user"),
    pytest.param(
        Bad("POST", STUDENTS, 401, AUTH, json=_student("", ""), auth="blank"), id="blank-user-bad-body"
    ),
    # --- GET /v1/classes/students (list)
    pytest.param(Bad("GET", STUDENTS + "?limit=0", 400, V, loc="limit"), id="students-limit-0"),
    pytest.param(Bad("GET", STUDENTS + "?limit=101", 400, V, loc="limit"), id="students-limit-101"),
    pytest.param(Bad("GET", STUDENTS + "?limit=abc", 400, V, loc="limit"), id="students-limit-abc"),
    pytest.param(Bad("GET", STUDENTS + "?offset=-1", 400, V, loc="offset"), id="students-offset-negative"),
    pytest.param(Bad("GET", STUDENTS + "?cursor=%%%", 400, V), id="students-cursor-garbage"),
    pytest.param(Bad("GET", STUDENTS + "?class_id=nope", 400, V, loc="class_id"), id="students-class-id-bad"),
    pytest.param(Bad("GET", STUDENTS + "?q=" + "q" * 101, 400, V, loc="q"), id="students-q-101"),
    pytest.param(Bad("GET", STUDENTS + "?q=" + quote("a\x00"), 400, V, loc="q"), id="students-q-nul"),
    pytest.param(Bad("GET", f"{STUDENTS}?class_id={UNKNOWN_ID}", 404, CNF), id="students-class-unknown"),
    pytest.param(Bad("GET", STUDENTS, 401, AUTH, auth="none"), id="students-list-no-user"),
    pytest.param(
        Bad("GET", STUDENTS + "?cursor=" + _cursor(EARLIEST_EAST), 400, V), id="students-cursor-year-0"
    ),
    pytest.param(
        Bad("GET", STUDENTS + "?cursor=" + _cursor(LATEST_WEST), 400, V), id="students-cursor-year-10000"
    ),
    # --- GET/PUT/DELETE /v1/classes/students/<id>
    pytest.param(Bad("GET", STUDENTS + "/nope", 400, V, loc="student_id"), id="student-get-bad-uuid"),
    pytest.param(Bad("GET", f"{STUDENTS}/{UNKNOWN_ID}", 404, "STUDENT_NOT_FOUND"), id="student-get-unknown"),
    pytest.param(Bad("GET", STUDENT, 401, AUTH, auth="none"), id="student-get-no-user"),
    pytest.param(
        Bad("PUT", STUDENTS + "/nope", 400, V, json={}, loc="student_id"), id="student-put-bad-uuid"
    ),
    pytest.param(
        Bad("PUT", f"{STUDENTS}/{UNKNOWN_ID}", 404, "STUDENT_NOT_FOUND", json={"email": None}),
        id="student-put-unknown",
    ),
    pytest.param(Bad("PUT", STUDENT, 400, V, raw=b"{'email': null}"), id="student-put-malformed-json"),
    pytest.param(
        Bad(
            "PUT",
            STUDENT,
            400,
            V,
            raw=b'{"person_name": {"first_name": "A", "last_name": "B", "first_name": "C"}}',
            loc="first_name",
        ),
        id="student-put-duplicate-nested-key",
    ),
    pytest.param(Bad("PUT", STUDENT, 400, V, raw=b'{"email": "\x80"}'), id="student-put-not-utf8"),
    pytest.param(
        Bad("PUT", STUDENT, 400, V, json={"email": "nope"}, loc="email"), id="student-put-email-bad"
    ),
    pytest.param(Bad("PUT", STUDENT, 400, V, json={"email": []}, loc="email"), id="student-put-email-list"),
    pytest.param(
        Bad(
            "PUT",
            STUDENT,
            400,
            V,
            json={"person_name": {"first_name": "", "last_name": " "}},
            loc="person_name",
        ),
        id="student-put-names-blank",
    ),
    pytest.param(
        Bad("PUT", STUDENT, 400, V, json={"person_name": {"first_name": "x" * 256, "last_name": "y"}}),
        id="student-put-first-name-256",
    ),
    pytest.param(
        Bad("PUT", STUDENT, 400, V, json={"add_class_ids": ["nope"]}, loc="add_class_ids"), id="add-bad-uuid"
    ),
    pytest.param(
        Bad("PUT", STUDENT, 400, V, json={"remove_class_ids": [1]}, loc="remove_class_ids"), id="remove-int"
    ),
    pytest.param(
        Bad("PUT", STUDENT, 400, V, json={"add_class_ids": [UNKNOWN_ID], "remove_class_ids": [UNKNOWN_ID]}),
        id="add-and-remove-same-id",
    ),
    pytest.param(
        Bad("PUT", STUDENT, 404, CNF, json={"add_class_ids": [UNKNOWN_ID]}), id="student-put-add-unknown"
    ),
    pytest.param(
        Bad("PUT", STUDENT, 404, CNF, json={"email": "new@example.com", "add_class_ids": [UNKNOWN_ID]}),
        id="student-put-email-and-unknown-class",
    ),
    pytest.param(
        Bad(
            "PUT",
            STUDENT,
            413,
            "PAYLOAD_TOO_LARGE",
            json={"person_name": {"first_name": HUGE, "last_name": ""}},
        ),
        id="student-put-1mib",
    ),
    pytest.param(
        Bad("PUT", STUDENT, 415, "UNSUPPORTED_MEDIA_TYPE", raw=b"email=", content_type="text/plain"),
        id="student-put-text-plain",
    ),
    pytest.param(Bad("PUT", STUDENT, 401, AUTH, json={"email": None}, auth="none"), id="student-put-no-user"),
    pytest.param(Bad("DELETE", STUDENTS + "/nope", 400, V, loc="student_id"), id="student-delete-bad-uuid"),
    pytest.param(
        Bad("DELETE", f"{STUDENTS}/{UNKNOWN_ID}", 404, "STUDENT_NOT_FOUND"), id="student-delete-unknown"
    ),
    pytest.param(Bad("DELETE", STUDENT, 401, AUTH, auth="none"), id="student-delete-no-user"),
    # --- no such route / method
    pytest.param(Bad("GET", "/v1/nothing-here", 404, "RESOURCE_NOT_FOUND"), id="unknown-route"),
    pytest.param(Bad("GET", CLASS + "/teachers", 404, "RESOURCE_NOT_FOUND"), id="unknown-subroute"),
    # A class's students are added (POST) and removed (DELETE); they are listed elsewhere.
    pytest.param(Bad("GET", CLASS + "/students", 405, "METHOD_NOT_ALLOWED"), id="class-students-get"),
]


def _assert_no_leak(text: str) -> None:
    for marker in LEAKS:
        assert marker not in text, f"response leaks {marker!r}: {text[:500]}"


@pytest.mark.parametrize("case", BAD_REQUESTS)
async def test_bad_request_is_rejected_with_envelope_and_nothing_written_when_input_invalid(
    api: Api, world: World, case: Bad
) -> None:
    before = await api.counts()
    correlation_id = str(uuid.uuid4())

    response = await send(api, case, world, correlation_id)

    text = await response.get_data(as_text=True)
    assert response.status_code == case.status, text[:1000]
    assert response.headers["X-Correlation-ID"] == correlation_id
    assert response.mimetype == "application/json"
    error = assert_error(await response.get_json(), case.code, correlation_id)
    _assert_no_leak(text)
    if case.loc is not None:
        locations = [location for item in error["details"]["errors"] for location in item["loc"]]
        assert case.loc in locations, error["details"]
    assert await api.counts() == before
    assert await _snapshot(api, world.class_id, world.student_id) == world.snapshot


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        pytest.param("PATCH", CLASS, {"GET", "PUT", "DELETE"}, id="patch-class"),
        pytest.param("POST", CLASS, {"GET", "PUT", "DELETE"}, id="post-class"),
        pytest.param("DELETE", CLASSES, {"GET", "POST"}, id="delete-classes"),
        pytest.param("PUT", STUDENTS, {"GET", "POST"}, id="put-students"),
        pytest.param("DELETE", STUDENTS, {"GET", "POST"}, id="delete-students"),
        pytest.param("PATCH", STUDENT, {"GET", "PUT", "DELETE"}, id="patch-student"),
        pytest.param("POST", CLASS + "/roster", {"GET"}, id="post-roster"),
        pytest.param("POST", "/healthz", {"GET"}, id="post-healthz"),
    ],
)
async def test_wrong_method_is_405_with_allow_header_when_route_exists(
    api: Api, world: World, method: str, path: str, allowed: set[str]
) -> None:
    before = await api.counts()
    correlation_id = str(uuid.uuid4())

    response = await api.client.open(
        path.format(class_id=world.class_id, student_id=world.student_id),
        method=method,
        json={"name": "x", "course_codes": ["ENG5"]},
        headers=api.headers(**{"X-Correlation-ID": correlation_id}),
    )

    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}
    assert response.headers["X-Correlation-ID"] == correlation_id
    assert_error(await response.get_json(), "METHOD_NOT_ALLOWED", correlation_id)
    assert await api.counts() == before


async def test_unknown_class_id_is_named_and_nothing_written_when_creating_a_student(
    api: Api, world: World
) -> None:
    before = await api.counts()

    response = await api.client.post(
        "/v1/classes/students",
        json=_student(email="new@example.com", class_ids=[world.class_id, UNKNOWN_ID]),
        headers=api.headers(),
    )

    assert response.status_code == 404
    error = assert_error(await response.get_json(), "CLASS_NOT_FOUND")
    assert UNKNOWN_ID in error["message"]
    assert world.class_id not in error["message"]
    assert error["details"]["class_ids"] == [UNKNOWN_ID]
    assert await api.counts() == before
    assert await api.rows("SELECT id FROM students WHERE email = 'new@example.com'") == []


async def test_unknown_class_id_is_named_and_nothing_written_when_adding_it_to_a_student(
    api: Api, world: World
) -> None:
    other = await api.create_class("Other")
    before = await api.counts()

    response = await api.client.put(
        f"/v1/classes/students/{world.student_id}",
        json={"add_class_ids": [other["id"], UNKNOWN_ID], "remove_class_ids": [world.class_id]},
        headers=api.headers(),
    )

    assert response.status_code == 404
    error = assert_error(await response.get_json(), "CLASS_NOT_FOUND")
    assert UNKNOWN_ID in error["message"]
    assert error["details"]["class_ids"] == [UNKNOWN_ID]
    assert await api.counts() == before
    assert await _snapshot(api, world.class_id, world.student_id) == world.snapshot


@pytest.mark.parametrize(
    ("existing", "duplicate"),
    [
        pytest.param("ada@example.com", "ada@example.com", id="same"),
        pytest.param("ada@example.com", "ADA@example.com", id="upper-local-part"),
        pytest.param("Ada.L@example.com", "ada.l@EXAMPLE.com", id="mixed-case"),
    ],
)
async def test_duplicate_email_is_409_and_nothing_written_when_same_teacher_reuses_it(
    api: Api, existing: str, duplicate: str
) -> None:
    await api.create_student(email=existing)
    before = await api.counts()

    response = await api.client.post(
        "/v1/classes/students", json=_student("Other", "Person", email=duplicate), headers=api.headers()
    )

    assert response.status_code == 409
    text = await response.get_data(as_text=True)
    assert_error(await response.get_json(), "DUPLICATE_STUDENT_EMAIL")
    _assert_no_leak(text)
    assert await api.counts() == before


async def test_duplicate_email_is_409_and_nothing_changed_when_updating_to_a_taken_email(api: Api) -> None:
    await api.create_student(email="taken@example.com")
    other = await api.create_student(person_name={"first_name": "B", "last_name": "C"}, email="b@example.com")
    before = await api.counts()

    response = await api.client.put(
        f"/v1/classes/students/{other['id']}", json={"email": "TAKEN@example.com"}, headers=api.headers()
    )

    assert response.status_code == 409
    assert_error(await response.get_json(), "DUPLICATE_STUDENT_EMAIL")
    assert await api.counts() == before
    assert await api.get_json(f"/v1/classes/students/{other['id']}") == other


async def test_same_email_is_accepted_when_another_teacher_uses_it(api: Api) -> None:
    await api.create_student(email="ada@example.com")

    created = await api.create_student(user=unique_user(), email="ADA@example.com")

    assert created["email"] == "ADA@example.com"
    assert (await api.counts())["students"] == 2


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        pytest.param("GET", "/v1/classes/", NO_BODY, 200, id="success"),
        pytest.param("POST", "/v1/classes/", {"name": ""}, 400, id="validation-error"),
        pytest.param("GET", f"/v1/classes/{UNKNOWN_ID}", NO_BODY, 404, id="not-found"),
        pytest.param("GET", "/nowhere", NO_BODY, 404, id="no-route"),
        pytest.param("GET", "/healthz", NO_BODY, 200, id="health"),
    ],
)
@pytest.mark.parametrize("given", ["not-a-uuid", "", "x" * 300])
async def test_correlation_id_is_replaced_by_a_fresh_uuid_when_header_invalid(
    api: Api, method: str, path: str, body: Any, status: int, given: str
) -> None:
    kwargs: dict[str, Any] = {"method": method, "headers": api.headers(**{"X-Correlation-ID": given})}
    if body is not NO_BODY:
        kwargs["json"] = body

    response = await api.client.open(path, **kwargs)

    assert response.status_code == status
    echoed = response.headers["X-Correlation-ID"]
    assert str(UUID(echoed)) == echoed
    assert echoed != given
    if status >= 400:
        assert (await response.get_json())["error"]["correlation_id"] == echoed


async def test_correlation_id_is_generated_when_header_absent(api: Api) -> None:
    first = await api.client.get("/v1/classes/", headers=api.headers())
    second = await api.client.get("/v1/classes/", headers=api.headers())

    assert UUID(first.headers["X-Correlation-ID"]) != UUID(second.headers["X-Correlation-ID"])
