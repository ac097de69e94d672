"""Which window a write belongs to, and what each fault measured while it lasted."""

from __future__ import annotations

import threading
from dataclasses import dataclass


class Timeline:
    """The current window's name; load threads read it when they send a write."""

    def __init__(self, first: str) -> None:
        self._lock = threading.Lock()
        self._current = first
        self.order = [first]

    def current(self) -> str:
        with self._lock:
            return self._current

    def enter(self, window: str) -> None:
        with self._lock:
            self._current = window
            self.order.append(window)


@dataclass
class FaultMeasure:
    """What one fault cost: seconds until writes were acknowledged again, until the outbox rows
    written before the fault ended were all published, and the relay's CPU while it lasted."""

    api_recovery_s: float | None = None
    outbox_drained_s: float | None = None
    relay_cpu_pct: float | None = None
    note: str = ""
