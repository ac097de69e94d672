"""The wall clock, in UTC."""

from __future__ import annotations

from datetime import UTC, datetime

from class_management_service.protocols import ClockProtocol


class SystemClock(ClockProtocol):
    """Aware UTC timestamps for occurrence times and row timestamps."""

    def now(self) -> datetime:
        return datetime.now(UTC)
