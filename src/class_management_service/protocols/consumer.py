"""Consumer ports: the suggestions topic as a message source, its state, and the dead letters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from class_management_service.domain.consumed_messages import ConsumedMessage, ConsumerState, DeadLetter


class MessageSourceProtocol(Protocol):
    """A consumer group's share of a topic: messages in partition order, offsets committed on demand."""

    @property
    def is_started(self) -> bool: ...

    async def start(self) -> None:
        """Join the group; raises while the broker is unreachable (the caller backs off)."""

    async def fetch(self, timeout_s: float, max_messages: int) -> Sequence[ConsumedMessage]:
        """What arrived within ``timeout_s`` (possibly nothing), each partition's messages in order."""

    async def commit(self, offsets: Mapping[tuple[str, int], int]) -> None:
        """Record, per (topic, partition), the offset of the next message to read."""

    def assigned_partitions(self) -> tuple[int, ...]: ...

    async def close(self) -> None: ...


class ConsumerStateProtocol(Protocol):
    """The suggestions consumer as it runs in this process, for the relay process's /healthz."""

    @property
    def state(self) -> ConsumerState: ...


class DeadLetterStoreProtocol(Protocol):
    """Keeps consumed messages that could not be used, so nothing is lost silently."""

    async def record(self, letter: DeadLetter) -> None: ...
