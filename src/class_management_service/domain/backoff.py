"""Exponential backoff with jitter, shared by failed rows and by a failing broker."""

from __future__ import annotations

import random

# 2**60 times any sane initial delay is far past every cap; larger exponents would overflow.
_MAX_EXPONENT = 60


class Backoff:
    """Delays that double per failure up to a cap, so a failing dependency is never hammered."""

    def __init__(self, initial_s: float, max_s: float) -> None:
        self._initial_s = initial_s
        self._max_s = max(max_s, initial_s)
        self._failures = 0

    def delay_for(self, attempt: int) -> float:
        """The wait after the ``attempt``-th consecutive failure (1-based).

        Equal jitter: at least half the exponential step, so the delay keeps growing with the
        attempts while replicas failing together still spread out.
        """
        exponent = min(max(attempt, 1) - 1, _MAX_EXPONENT)
        ceiling = min(self._max_s, self._initial_s * 2.0**exponent)
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not secrecy

    def next_delay(self) -> float:
        """Count one more consecutive failure and return how long to wait before retrying."""
        self._failures += 1
        return self.delay_for(self._failures)

    def reset(self) -> None:
        self._failures = 0

    @property
    def failures(self) -> int:
        return self._failures
