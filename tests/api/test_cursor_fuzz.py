"""Cursors, fuzzed on both list routes: only a cursor the service could have issued is accepted.

Anything else (arbitrary text, arbitrary bytes in base64, timestamps with other offsets or out of
range, non-canonical UUIDs, padding) is a 400 ``VALIDATION_ERROR``, never a 500.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from class_management_service.api.pagination import encode_cursor
from tests.api.conftest import Api, assert_error

LIST_ROUTES = ("/v1/classes/", "/v1/classes/students")
ZERO_ID = UUID(int=0)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=240)  # any encodable query value
# Offsets a timestamp can carry: the service writes only +00:00.
_OFFSETS = st.integers(min_value=-14 * 60, max_value=14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
_UUID_SPELLINGS = st.sampled_from([str, lambda u: str(u).upper(), lambda u: f"{{{u}}}", lambda u: u.hex])


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def _status_and_code(api: Api, route: str, cursor: str) -> tuple[int, str | None]:
    response = await api.client.get(route, query_string={"cursor": cursor}, headers=api.headers())
    body = await response.get_json()
    if response.status_code == 200:
        return 200, None
    return response.status_code, assert_error(body, body["error"]["code"])["code"]


async def _assert_rejected_everywhere(api: Api, cursor: str) -> None:
    for route in LIST_ROUTES:
        assert await _status_and_code(api, route, cursor) == (400, "VALIDATION_ERROR"), (route, cursor)


@FUZZ
@given(cursor=_TEXT)
@example(cursor="")  # empty means no cursor: the first page
@example(cursor="=")
@example(cursor="!!!")
async def test_arbitrary_text_cursor_is_400_on_both_list_routes(api: Api, cursor: str) -> None:
    if cursor == "":
        for route in LIST_ROUTES:
            assert await _status_and_code(api, route, cursor) == (200, None)
        return
    await _assert_rejected_everywhere(api, cursor)


@FUZZ
@given(raw=st.binary(min_size=1, max_size=150))
@example(raw=b"\xff\xfe")
@example(raw=b"|")
async def test_arbitrary_bytes_as_base64_cursor_is_400_on_both_list_routes(api: Api, raw: bytes) -> None:
    await _assert_rejected_everywhere(api, _b64(raw))


@FUZZ
@given(moment=st.datetimes(timezones=_OFFSETS), item_id=st.uuids(), spell=_UUID_SPELLINGS)
@example(moment=datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))), item_id=ZERO_ID, spell=str)
@example(
    moment=datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-14))),
    item_id=ZERO_ID,
    spell=str,
)
@example(moment=datetime.min.replace(tzinfo=UTC), item_id=ZERO_ID, spell=str)
@example(moment=datetime.max.replace(tzinfo=UTC), item_id=ZERO_ID, spell=str)
async def test_timestamp_uuid_cursor_is_accepted_only_when_spelled_as_the_service_issues_it(
    api: Api, moment: datetime, item_id: UUID, spell: object
) -> None:
    assert callable(spell)
    cursor = _b64(f"{moment.isoformat()}|{spell(item_id)}".encode())
    is_issuable = moment.utcoffset() == timedelta(0) and cursor == encode_cursor(moment, item_id)

    for route in LIST_ROUTES:
        expected = (200, None) if is_issuable else (400, "VALIDATION_ERROR")
        assert await _status_and_code(api, route, cursor) == expected, (route, moment, spell(item_id))


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("0001-01-01T00:00:00+14:00|00000000-0000-0000-0000-000000000000", id="year-0-in-utc"),
        pytest.param(
            "9999-12-31T23:59:59-14:00|00000000-0000-0000-0000-000000000000", id="year-10000-in-utc"
        ),
        pytest.param("2025-01-01T00:00:00Z|00000000-0000-0000-0000-000000000000", id="z-suffix"),
        pytest.param("2025-01-01 00:00:00+00:00|00000000-0000-0000-0000-000000000000", id="space-separator"),
        pytest.param("2025-W01-1T00:00:00+00:00|00000000-0000-0000-0000-000000000000", id="iso-week-date"),
        pytest.param(
            "2025-01-01T00:00:00.000000+00:00|00000000-0000-0000-0000-000000000000", id="zero-micros"
        ),
        pytest.param(
            "2025-01-01T00:00:00+00:00|urn:uuid:00000000-0000-0000-0000-000000000000", id="urn-uuid"
        ),
        pytest.param("2025-01-01T00:00:00+00:00|00000000-0000-0000-0000-000000000000|x", id="trailing-field"),
    ],
)
async def test_issue_examples_and_lenient_spellings_are_400_on_both_list_routes(api: Api, raw: str) -> None:
    await _assert_rejected_everywhere(api, _b64(raw.encode()))


async def test_padded_or_reencoded_cursor_is_400_when_issued_one_is_200(api: Api) -> None:
    issued = encode_cursor(datetime(2025, 1, 1, tzinfo=UTC), ZERO_ID)
    standard_alphabet = base64.b64encode(base64.urlsafe_b64decode(issued + "=" * (-len(issued) % 4))).decode()

    for route in LIST_ROUTES:
        assert await _status_and_code(api, route, issued) == (200, None)
    for variant in (issued + "=", issued + "==", issued + "\n", " " + issued, standard_alphabet + "="):
        await _assert_rejected_everywhere(api, variant)
