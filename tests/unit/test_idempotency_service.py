"""IdempotencyService: claim, replay, refuse, and the hourly purge of expired keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from class_management_service.domain.errors import IdempotencyKeyInFlightError, IdempotencyKeyReusedError
from class_management_service.domain.idempotency import KEY_TTL, IdempotentWrite, StoredKey, StoredResponse
from class_management_service.domain.models import Actor
from class_management_service.implementations.memory.idempotency_store import (
    InMemoryIdempotencyStore,
    complete_key,
)
from class_management_service.implementations.memory.store import InMemoryStore
from class_management_service.services.idempotency_service import PURGE_EVERY, IdempotencyService
from tests.fakes import FakeClock

ACTOR = Actor(user_id="teacher", correlation_id=uuid4())


@pytest.fixture
def store() -> InMemoryStore:
    return InMemoryStore()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 1, 2, tzinfo=UTC))


@pytest.fixture
def service(store: InMemoryStore, clock: FakeClock) -> IdempotencyService:
    return IdempotencyService(InMemoryIdempotencyStore(store), clock)


async def test_second_request_is_refused_while_the_first_is_in_flight(service: IdempotencyService) -> None:
    claim, first = await service.begin(ACTOR, "k", "h")
    assert first is None
    assert claim.owner == "teacher"
    with pytest.raises(IdempotencyKeyInFlightError):
        await service.begin(ACTOR, "k", "h")


async def test_completed_key_replays_for_the_same_request_and_refuses_another(
    service: IdempotencyService, store: InMemoryStore
) -> None:
    claim, _ = await service.begin(ACTOR, "k", "h")
    complete_key(store, IdempotentWrite(claim, lambda _: StoredResponse(201, "{}")), None)

    assert (await service.begin(ACTOR, "k", "h"))[1] == StoredResponse(201, "{}")
    with pytest.raises(IdempotencyKeyReusedError):
        await service.begin(ACTOR, "k", "other")


async def test_released_key_runs_again_when_the_write_failed(service: IdempotencyService) -> None:
    claim, _ = await service.begin(ACTOR, "k", "h")
    await service.release(claim)
    assert (await service.begin(ACTOR, "k", "h"))[1] is None


async def test_expired_keys_are_purged_at_most_once_per_interval(
    service: IdempotencyService, store: InMemoryStore, clock: FakeClock
) -> None:
    def expire(key: str) -> None:
        store.idempotency_keys["teacher", key] = StoredKey(
            "h", clock.now() - KEY_TTL - timedelta(seconds=1), None
        )

    expire("old")
    await service.begin(ACTOR, "a", "h")
    assert ("teacher", "old") not in store.idempotency_keys

    expire("older")
    clock.advance(PURGE_EVERY / 2)
    await service.begin(ACTOR, "b", "h")
    assert ("teacher", "older") in store.idempotency_keys

    clock.advance(PURGE_EVERY / 2)
    await service.begin(ACTOR, "c", "h")
    assert set(store.idempotency_keys) == {("teacher", "a"), ("teacher", "b"), ("teacher", "c")}
