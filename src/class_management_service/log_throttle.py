"""A logging filter that lets a repeated message through once per window and counts the rest.

Third-party libraries (aiokafka above all) log the same line on every retry; while a broker is
away that is thousands of lines a second. The filter keys on the logger and the message template
(``record.msg`` before ``%`` formatting), so a line that differs only in its arguments counts as a
repeat. The first line of a key passes; later ones within ``window_s`` are dropped and counted,
and the next line that passes carries ``suppressed=N``. The standard library and structlog have
no rate limiting, hence this small class.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

DEFAULT_WINDOW_S = 10.0
# Templates are few; a library logging pre-formatted text could still make every key new.
MAX_KEYS = 1024
SUPPRESSED_ATTRIBUTE = "suppressed"


class RepeatThrottleFilter(logging.Filter):
    """At most one record per (logger, template) per window; the count of the dropped ones follows."""

    def __init__(
        self, window_s: float = DEFAULT_WINDOW_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        super().__init__()
        self._window_s = window_s
        self._clock = clock
        self._lock = threading.Lock()  # handlers may be called from executor threads
        self._passed_at: dict[tuple[str, str], float] = {}
        self._suppressed: dict[tuple[str, str], int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = self._clock()
        with self._lock:
            passed_at = self._passed_at.get(key)
            if passed_at is not None and now - passed_at < self._window_s:
                self._suppressed[key] = self._suppressed.get(key, 0) + 1
                return False
            if len(self._passed_at) >= MAX_KEYS:
                self._forget_before(now - self._window_s)
            self._passed_at[key] = now
            suppressed = self._suppressed.pop(key, 0)
        if suppressed:
            setattr(record, SUPPRESSED_ATTRIBUTE, suppressed)
        return True

    @property
    def tracked_keys(self) -> int:
        return len(self._passed_at)

    def _forget_before(self, cutoff: float) -> None:
        """Drop keys whose window is over (their pending counts go too); all of them if none is."""
        stale = [key for key, passed_at in self._passed_at.items() if passed_at < cutoff]
        for key in stale or list(self._passed_at):
            del self._passed_at[key]
            self._suppressed.pop(key, None)
