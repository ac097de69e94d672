"""What the relay in this process is doing, recorded by thin wrappers around its ports.

Wrapping the publisher and the leadership (rather than reporting from inside the relay) keeps
the relay loop unaware of its observers; the wrappers add a few attribute writes per batch.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from class_management_service.protocols import (
    BrokerState,
    EventPublisherProtocol,
    OutboxRecord,
    PublishFailure,
    RelayLeadershipProtocol,
    RelayStateProtocol,
)

_ERROR_CHARS = 200
# A reachable broker acknowledges in milliseconds; a send waits up to the producer's request
# timeout before it fails, and the broker's state should not read "ok" all that while.
NO_ACK_AFTER_S = 5.0


def _utc_now() -> datetime:
    return datetime.now(UTC)


class LiveRelayState(RelayStateProtocol):
    """Leadership and the broker as the relay last saw them; ``failing_since`` is kept across retries."""

    def __init__(self, now: Callable[[], datetime] = _utc_now) -> None:
        self._now = now
        self._is_leading = False
        self._broker = BrokerState("not_started")
        self._sending_since: datetime | None = None

    @property
    def is_leading(self) -> bool:
        return self._is_leading

    @property
    def broker(self) -> BrokerState:
        since = self._sending_since
        if since is None or self._broker.state == "failing":
            return self._broker
        waited_s = (self._now() - since).total_seconds()
        if waited_s <= NO_ACK_AFTER_S:
            return self._broker
        return BrokerState(
            "failing", failing_since=since, last_error=f"no acknowledgement for {waited_s:.0f} s"
        )

    def sending(self, is_sending: bool) -> None:
        self._sending_since = self._now() if is_sending else None

    def leading(self, is_leading: bool) -> None:
        self._is_leading = is_leading

    def broker_ok(self) -> None:
        if self._broker.state != "ok":
            self._broker = BrokerState("ok")

    def broker_failing(self, error: str) -> None:
        since = self._broker.failing_since or self._sending_since or self._now()
        self._broker = BrokerState("failing", failing_since=since, last_error=error[:_ERROR_CHARS])


class ObservedEventPublisher(EventPublisherProtocol):
    """The relay's publisher, recording whether Kafka connects and acknowledges."""

    def __init__(self, publisher: EventPublisherProtocol, state: LiveRelayState) -> None:
        self._publisher = publisher
        self._state = state

    @property
    def is_started(self) -> bool:
        return self._publisher.is_started

    async def start(self) -> None:
        try:
            await self._publisher.start()
        except Exception as error:
            self._state.broker_failing(f"{type(error).__name__}: {error}")
            raise
        self._state.broker_ok()

    async def publish(self, records: Sequence[OutboxRecord]) -> list[PublishFailure | None]:
        self._state.sending(True)
        try:
            outcomes = await self._publisher.publish(records)
        except Exception as error:
            self._state.broker_failing(f"{type(error).__name__}: {error}")
            raise
        else:
            transient = next((o for o in outcomes if o is not None and o.is_transient), None)
            if transient is None:
                self._state.broker_ok()
            else:
                self._state.broker_failing(transient.error)
        finally:
            self._state.sending(False)
        return outcomes

    async def close(self) -> None:
        await self._publisher.close()


class ObservedLeadership(RelayLeadershipProtocol):
    """The relay's leadership, recording whether this process currently leads."""

    def __init__(self, leadership: RelayLeadershipProtocol, state: LiveRelayState) -> None:
        self._leadership = leadership
        self._state = state

    @property
    def rows_committed(self) -> asyncio.Event:
        return self._leadership.rows_committed

    async def acquire(self) -> bool:
        try:
            is_leading = await self._leadership.acquire()
        except Exception:
            self._state.leading(False)
            raise
        self._state.leading(is_leading)
        return is_leading

    async def release(self) -> None:
        self._state.leading(False)
        await self._leadership.release()
