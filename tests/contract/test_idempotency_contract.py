"""Idempotency keys on every backend: claims, completion inside the write's transaction, expiry."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import timedelta

import pytest

from class_management_service.domain.errors import CourseNotFoundError, IdempotencyKeyInFlightError
from class_management_service.domain.idempotency import (
    IN_FLIGHT_LEASE,
    KEY_TTL,
    IdempotencyClaim,
    IdempotentWrite,
    StoredResponse,
)
from class_management_service.domain.models import SchoolClass, Student
from tests.contract.conftest import Repos, moment, new_class, new_student, no_events


def _claim(owner: str, key: str = "key-1", request_hash: str = "a" * 64, **shift: float) -> IdempotencyClaim:
    return IdempotencyClaim(owner, key, request_hash, moment() + timedelta(**shift))


def _responding(claim: IdempotencyClaim) -> IdempotentWrite[SchoolClass]:
    return IdempotentWrite(claim, lambda c: StoredResponse(201, f'{{"id":"{c.id}"}}'))


async def test_claim_holds_the_key_when_it_is_new(repos: Repos) -> None:
    claim = _claim("t1")
    assert await repos.keys.claim(claim) is None

    stored = await repos.keys.claim(_claim("t1", request_hash="b" * 64))

    assert stored is not None
    assert stored.request_hash == "a" * 64
    assert stored.created_at == claim.at
    assert stored.response is None  # still in flight


async def test_create_completes_the_key_when_it_commits(repos: Repos) -> None:
    claim = _claim("t1")
    await repos.keys.claim(claim)

    created = await repos.classes.create(new_class("t1"), no_events, key=_responding(claim))

    stored = await repos.keys.claim(_claim("t1", seconds=1))
    assert stored is not None
    assert stored.response == StoredResponse(201, f'{{"id":"{created.id}"}}')


async def test_student_create_completes_the_key_when_it_commits(repos: Repos) -> None:
    claim = _claim("t1")
    await repos.keys.claim(claim)
    key: IdempotentWrite[Student] = IdempotentWrite(claim, lambda s: StoredResponse(201, str(s.id)))

    created = await repos.students.create(new_student("t1"), no_events, key=key)

    stored = await repos.keys.claim(_claim("t1", seconds=1))
    assert stored is not None
    assert stored.response == StoredResponse(201, str(created.id))


async def test_failed_write_leaves_the_claim_in_flight_when_it_rolls_back(repos: Repos) -> None:
    claim = _claim("t1")
    await repos.keys.claim(claim)

    with pytest.raises(CourseNotFoundError):
        await repos.classes.create(new_class("t1", course_code="NOPE"), no_events, key=_responding(claim))

    stored = await repos.keys.claim(_claim("t1", seconds=1))
    assert stored is not None
    assert stored.response is None
    await repos.keys.release(claim)
    assert await repos.keys.claim(_claim("t1", seconds=2)) is None


async def test_write_fails_and_changes_nothing_when_its_claim_was_taken_over(repos: Repos) -> None:
    lost = _claim("t1")
    await repos.keys.claim(lost)
    lease_later = IN_FLIGHT_LEASE.total_seconds() + 1
    assert await repos.keys.claim(_claim("t1", request_hash="b" * 64, seconds=lease_later)) is None

    with pytest.raises(IdempotencyKeyInFlightError):
        await repos.classes.create(new_class("t1"), no_events, key=_responding(lost))

    assert await repos.outbox() == []
    assert (await repos.stats.pending())[0] == 0


async def test_release_keeps_a_completed_key_when_called_after_the_write(repos: Repos) -> None:
    claim = _claim("t1")
    await repos.keys.claim(claim)
    await repos.classes.create(new_class("t1"), no_events, key=_responding(claim))

    await repos.keys.release(claim)

    stored = await repos.keys.claim(_claim("t1", seconds=1))
    assert stored is not None
    assert stored.response is not None


async def test_completed_key_is_claimed_afresh_when_it_expired(repos: Repos) -> None:
    claim = _claim("t1")
    await repos.keys.claim(claim)
    await repos.classes.create(new_class("t1"), no_events, key=_responding(claim))

    second = timedelta(seconds=1)
    assert await repos.keys.claim(replace(claim, at=claim.at + KEY_TTL - second)) is not None
    assert await repos.keys.claim(replace(claim, at=claim.at + KEY_TTL + second)) is None


async def test_keys_are_separate_when_two_teachers_use_the_same_key(repos: Repos) -> None:
    assert await repos.keys.claim(_claim("t1")) is None
    assert await repos.keys.claim(_claim("t2")) is None


async def test_purge_deletes_only_the_keys_older_than_the_cutoff(repos: Repos) -> None:
    old, new = _claim("t1", key="old"), _claim("t1", key="new", hours=1)
    await repos.keys.claim(old)
    await repos.keys.claim(new)

    assert await repos.keys.purge(old.at + timedelta(minutes=1)) == 1

    assert await repos.keys.claim(_claim("t1", key="old", hours=1, seconds=1)) is None
    assert await repos.keys.claim(_claim("t1", key="new", hours=1, seconds=1)) is not None


async def test_claims_of_many_keys_are_independent_when_keys_differ(repos: Repos) -> None:
    keys = [str(uuid.uuid4()) for _ in range(3)]
    for key in keys:
        assert await repos.keys.claim(_claim("t1", key=key)) is None
