"""What services take from the runtime, injected so tests can pin it: the clock and new ids."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from uuid import UUID


class ClockProtocol(Protocol):
    """The current time; injected so tests can pin it."""

    def now(self) -> datetime: ...


IdFactory = Callable[[], UUID]
