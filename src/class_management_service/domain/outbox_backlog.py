"""When a waiting outbox means the relay is not keeping up: one rule, shared by every health check."""

from __future__ import annotations


def stall_reason(oldest_pending_age_s: float | None, stall_after_s: float) -> str | None:
    """Why the outbox counts as stalled, or ``None`` while the oldest pending row is young enough.

    A healthy relay publishes a committed row within milliseconds, so a row older than the
    limit means no relay is publishing: it is dead, a standby with no leader, or Kafka fails.
    """
    if oldest_pending_age_s is None or oldest_pending_age_s <= stall_after_s:
        return None
    return (
        f"outbox stalled: the oldest pending event is {oldest_pending_age_s:.0f} s old "
        f"(limit {stall_after_s:g} s); is the relay running and Kafka reachable?"
    )
