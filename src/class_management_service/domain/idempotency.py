"""Idempotency keys: a retried POST replays its first response instead of writing again.

A key is claimed (``in flight``) before the write and completed inside the write's own
transaction, so a committed write always has its completed key and a completed key always its
write. A claim whose request died (a crash between claim and write) expires after ``IN_FLIGHT_LEASE``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Generic, TypeVar

from class_management_service.domain.errors import IdempotencyKeyInFlightError, IdempotencyKeyReusedError

KEY_TTL = timedelta(hours=24)
IN_FLIGHT_LEASE = timedelta(seconds=60)
MAX_KEY_LENGTH = 255

_T_contra = TypeVar("_T_contra", contravariant=True)


@dataclass(frozen=True)
class StoredResponse:
    """The first response to a key: replayed byte for byte to every retry."""

    status: int
    body: str


@dataclass(frozen=True)
class IdempotencyClaim:
    """One request's hold on ``(owner, key)``; ``at`` also tells this claim from a later one."""

    owner: str
    key: str
    request_hash: str
    at: datetime


@dataclass(frozen=True)
class StoredKey:
    """A key as stored; ``response`` is None while its request is in flight."""

    request_hash: str
    created_at: datetime
    response: StoredResponse | None


@dataclass(frozen=True)
class IdempotentWrite(Generic[_T_contra]):
    """What a repository write records in its transaction: the claim, completed with the response."""

    claim: IdempotencyClaim
    respond: Callable[[_T_contra], StoredResponse]


def is_key_valid(key: str) -> bool:
    """1 to 255 visible ASCII characters (no spaces or controls)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all("!" <= ch <= "~" for ch in key)


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests "the same": method, path and body bytes as canonicalised by the caller."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def is_reclaimable(stored: StoredKey, at: datetime) -> bool:
    """Expired keys are forgotten; an in-flight claim past its lease belonged to a request that died."""
    age = at - stored.created_at
    return age >= KEY_TTL or (stored.response is None and age >= IN_FLIGHT_LEASE)


def replay(stored: StoredKey, claim: IdempotencyClaim) -> StoredResponse:
    """The first response, for a retry of the same request; another request, or one in flight, is refused."""
    if stored.request_hash != claim.request_hash:
        raise IdempotencyKeyReusedError(claim.key)
    if stored.response is None:
        raise IdempotencyKeyInFlightError(claim.key)
    return stored.response
