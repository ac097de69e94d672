"""The domain rules behind Idempotency-Key: key format, request identity, expiry and replay."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from class_management_service.domain.errors import IdempotencyKeyInFlightError, IdempotencyKeyReusedError
from class_management_service.domain.idempotency import (
    IN_FLIGHT_LEASE,
    KEY_TTL,
    IdempotencyClaim,
    StoredKey,
    StoredResponse,
    is_key_valid,
    is_reclaimable,
    replay,
    request_hash,
)

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DONE = StoredResponse(201, "{}")


@pytest.mark.parametrize(
    ("key", "is_valid"),
    [
        ("a", True),
        ("~" * 255, True),
        ("", False),
        ("a" * 256, False),
        ("a b", False),
        ("é", False),
        ("a\x7f", False),
    ],
)
def test_key_is_valid_only_when_it_is_1_to_255_visible_ascii_characters(key: str, is_valid: bool) -> None:
    assert is_key_valid(key) is is_valid


def test_request_hash_differs_when_any_part_differs_even_at_the_boundaries() -> None:
    base = request_hash("POST", "/a", b"{}")
    assert base == request_hash("POST", "/a", b"{}")
    assert base != request_hash("POST", "/a{", b"}")
    assert base != request_hash("PUT", "/a", b"{}")


def test_in_flight_claim_is_reclaimable_only_when_its_lease_ran_out() -> None:
    claim = StoredKey("h", AT, None)
    assert not is_reclaimable(claim, AT + IN_FLIGHT_LEASE - timedelta(microseconds=1))
    assert is_reclaimable(claim, AT + IN_FLIGHT_LEASE)


def test_completed_key_is_reclaimable_only_when_it_expired() -> None:
    done = StoredKey("h", AT, DONE)
    assert not is_reclaimable(done, AT + IN_FLIGHT_LEASE)
    assert is_reclaimable(done, AT + KEY_TTL)


def test_replay_returns_the_first_response_when_the_request_is_the_same() -> None:
    assert replay(StoredKey("h", AT, DONE), IdempotencyClaim("t", "k", "h", AT)) == DONE


def test_replay_refuses_when_the_request_differs_or_is_still_in_flight() -> None:
    with pytest.raises(IdempotencyKeyReusedError):
        replay(StoredKey("h", AT, DONE), IdempotencyClaim("t", "k", "other", AT))
    with pytest.raises(IdempotencyKeyInFlightError):
        replay(StoredKey("h", AT, None), IdempotencyClaim("t", "k", "h", AT))
