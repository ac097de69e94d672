"""``X-User-ID``: 1-255 visible ASCII characters, trimmed of ASCII spaces and tabs only, sent once.

Anything else is a 401 ``AUTHENTICATION_ERROR`` on every teacher route and on the roster, and
nothing is written: an id is never read in some lenient way (``A\\xa0`` acting as ``A``).
"""

from __future__ import annotations

import string

import pytest
from werkzeug.datastructures import Headers

from tests.api.conftest import Api, assert_error

AUTH = "AUTHENTICATION_ERROR"
REFUSED_IDS = [
    pytest.param("", id="empty"),
    pytest.param(" \t ", id="spaces-and-tabs"),
    pytest.param("A\xa0", id="trailing-nbsp"),
    pytest.param("\xa0A", id="leading-nbsp"),
    pytest.param("A\x85", id="trailing-nel"),
    pytest.param("A\u2003", id="em-space"),  # sent as its UTF-8 bytes
    pytest.param("A\x00B", id="nul"),
    pytest.param("A\x01", id="control"),
    pytest.param("A\x7f", id="del"),
    pytest.param("A\x0b", id="vertical-tab"),
    pytest.param("A\x0c", id="form-feed"),
    pytest.param("A B", id="inner-space"),
    pytest.param("A\tB", id="inner-tab"),
    pytest.param("t\xe9acher", id="latin-1-byte"),
    pytest.param("t\xc3\xa9acher", id="utf-8-bytes"),  # how Quart reads UTF-8 "é": as latin-1
    pytest.param("t" * 256, id="256-chars"),
    pytest.param(" " + "t" * 256 + " ", id="256-chars-padded"),
]


TEACHER_ROUTES = [("GET", "/v1/classes/"), ("GET", "/v1/classes/students"), ("POST", "/v1/classes/")]


async def _assert_refused(api: Api, headers: Headers) -> None:
    school_class = await api.create_class()
    before = await api.counts()
    routes = [*TEACHER_ROUTES, ("GET", f"/v1/classes/{school_class['id']}/roster")]
    for method, path in routes:
        response = await api.client.open(
            path, method=method, headers=headers, json={"name": "x", "course_codes": ["ENG5"]}
        )
        assert response.status_code == 401, (method, path, await response.get_data(as_text=True))
        error = assert_error(await response.get_json(), AUTH)
        assert error["details"] == {}
    assert await api.counts() == before


@pytest.mark.parametrize("user_id", REFUSED_IDS)
async def test_user_id_outside_the_format_is_401_and_nothing_written(api: Api, user_id: str) -> None:
    if not user_id.isascii() and max(map(ord, user_id)) > 0xFF:
        user_id = user_id.encode().decode("latin-1")  # its UTF-8 bytes, as the server would read them

    await _assert_refused(api, Headers({"X-User-ID": user_id}))


@pytest.mark.parametrize(
    "values",
    [
        pytest.param(["teacher-a", "teacher-a"], id="same-twice"),
        pytest.param(["teacher-a", "teacher-b"], id="two-teachers"),
        pytest.param(["", "teacher-a"], id="empty-then-valid"),
    ],
)
async def test_user_id_sent_twice_is_401_and_nothing_written(api: Api, values: list[str]) -> None:
    await _assert_refused(api, Headers([("X-User-ID", value) for value in values]))


@pytest.mark.parametrize(
    "spelled",
    [
        pytest.param(" {user}", id="leading-space"),
        pytest.param("{user}\t", id="trailing-tab"),
        pytest.param(" \t{user} \t ", id="both"),
    ],
)
async def test_ascii_space_and_tab_around_the_id_are_trimmed_when_identifying_the_teacher(
    api: Api, spelled: str
) -> None:
    created = await api.create_class(user=spelled.format(user=api.user))

    listed = await api.get_json("/v1/classes/")

    assert [item["id"] for item in listed["classes"]] == [created["id"]]


@pytest.mark.parametrize(
    "user_id",
    [
        pytest.param("t" * 255, id="255-chars"),
        pytest.param("x", id="one-char"),
        pytest.param(string.digits + string.ascii_letters + string.punctuation, id="every-visible-ascii"),
    ],
)
async def test_user_id_inside_the_format_is_a_teacher_of_its_own(api: Api, user_id: str) -> None:
    created = await api.create_class(user=user_id)

    listed = await api.get_json("/v1/classes/", user=user_id)

    assert [item["id"] for item in listed["classes"]] == [created["id"]]
    assert (await api.get_json("/v1/classes/"))["classes"] == []
