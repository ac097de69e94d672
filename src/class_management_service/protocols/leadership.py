"""Leadership ports: one process of a deployment at a time runs the relay, or the timeout monitor."""

from __future__ import annotations

import asyncio
from typing import Protocol


class LeadershipProtocol(Protocol):
    """Lets one process of a deployment at a time do a job that must not run twice at once."""

    async def acquire(self) -> bool:
        """True while this process leads; cheap to call before every round of the job."""

    async def release(self) -> None: ...


class RelayLeadershipProtocol(LeadershipProtocol, Protocol):
    """Lets one relay at a time publish, and wakes it when new outbox rows commit."""

    @property
    def rows_committed(self) -> asyncio.Event: ...


class MonitorLeadershipProtocol(LeadershipProtocol, Protocol):
    """The association timeout monitor's own lock: it may lead on another replica than the relay."""
