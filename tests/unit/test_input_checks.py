"""Pure input checks: duplicate JSON keys, cursor round trips, and error logs without messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID, uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from class_management_service.api.duplicate_keys import MAX_REPORTED_KEY_LENGTH, first_duplicate_key
from class_management_service.api.errors import RequestValidationError
from class_management_service.api.pagination import decode_cursor, encode_cursor
from class_management_service.error_log import traceback_without_messages

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=3), children, max_size=4)
    ),
    max_leaves=20,
)


@pytest.mark.parametrize(
    ("body", "key"),
    [
        pytest.param(b'{"a": 1, "a": 1}', "a", id="top-level"),
        pytest.param(b'{"a": {"b": 1, "c": 2, "b": 3}}', "b", id="nested"),
        pytest.param(b'[{"a": 1}, {"x": [{"k": 1, "k": 2}]}]', "k", id="in-array"),
        pytest.param(b'{"n\\u0061me": 1, "name": 2}', "name", id="escaped-spelling"),
        pytest.param(b'{"": 1, "": 2}', "", id="empty-key"),
    ],
)
def test_first_duplicate_key_names_the_key_when_an_object_repeats_it(body: bytes, key: str) -> None:
    assert first_duplicate_key(body) == key


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"a": {"a": {"a": 1}}}', id="same-key-in-nested-objects"),
        pytest.param(b'[{"a": 1}, {"a": 2}]', id="same-key-in-sibling-objects"),
        pytest.param(b'{"A": 1, "a": 2}', id="different-case"),
        pytest.param(b'"a"', id="scalar"),
    ],
)
def test_first_duplicate_key_is_none_when_no_object_repeats_a_key(body: bytes) -> None:
    assert first_duplicate_key(body) is None


def test_first_duplicate_key_is_cut_to_a_bounded_length() -> None:
    key = "k" * 10_000

    assert first_duplicate_key(json.dumps({key: 1})[:-1].encode() + b', "' + key.encode() + b'": 2}') == (
        "k" * MAX_REPORTED_KEY_LENGTH
    )


@given(_JSON)
def test_first_duplicate_key_is_none_for_any_serialised_value(value: object) -> None:
    assert first_duplicate_key(json.dumps(value).encode()) is None


@given(st.datetimes(timezones=st.just(UTC)), st.uuids())
def test_cursor_round_trips_when_the_service_issued_it(moment: datetime, item_id: UUID) -> None:
    assert decode_cursor(encode_cursor(moment, item_id)) == (moment, item_id)


@pytest.mark.parametrize("offset", [timedelta(hours=14), timedelta(hours=-14), timedelta(minutes=1)])
def test_cursor_with_a_non_utc_offset_is_refused_even_when_well_formed(offset: timedelta) -> None:
    with pytest.raises(RequestValidationError):
        decode_cursor(encode_cursor(datetime(2025, 1, 1, tzinfo=timezone(offset)), uuid4()))


def test_traceback_without_messages_keeps_types_and_frames_of_the_chain_but_no_message() -> None:
    email, name = "ada@example.com", "Ada Lovelace"  # the frames show source lines: data stays in variables

    def lookup() -> None:
        raise KeyError(email)

    try:
        try:
            lookup()
        except KeyError as error:
            raise RuntimeError(f"saving {name} failed") from error
    except RuntimeError as error:
        text = traceback_without_messages(error)

    assert email not in text
    assert name not in text
    assert text.index("in lookup") < text.index("KeyError\n\nThe above exception was the direct cause")
    assert text.endswith("RuntimeError")
