"""A message as a consumer group received it: where it sits in its partition, and its raw bytes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ConsumedMessage:
    """One record of a topic partition; ``value`` is exactly what the producer sent."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None


@dataclass(frozen=True, slots=True)
class ConsumerState:
    """What the consumer in this process last saw: its partitions and its last failure, if any."""

    is_running: bool
    assigned_partitions: tuple[int, ...]
    last_error: str | None = None


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A consumed message that could not be used, kept with its raw bytes and the reason."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    reason: str
    received_at: datetime
