"""Backoff: exponential growth, equal jitter, a cap, and a reset after success."""

from __future__ import annotations

import pytest

from class_management_service.domain.backoff import Backoff


@pytest.mark.parametrize(
    ("attempt", "ceiling"), [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (7, 30.0), (50, 30.0)]
)
def test_delay_lies_between_half_and_all_of_the_doubled_step_capped_at_the_maximum(
    attempt: int, ceiling: float
) -> None:
    backoff = Backoff(initial_s=0.5, max_s=30.0)

    delays = [backoff.delay_for(attempt) for _ in range(200)]

    assert all(ceiling / 2 <= delay <= ceiling for delay in delays)
    assert len(set(delays)) > 1  # jittered


def test_every_delay_of_an_attempt_is_at_least_any_delay_of_the_one_before_until_the_cap() -> None:
    backoff = Backoff(initial_s=0.1, max_s=12.8)  # ceilings 0.1, 0.2, ... 12.8: uncapped to attempt 8

    for attempt in range(1, 8):
        longest = max(backoff.delay_for(attempt) for _ in range(100))
        shortest_next = min(backoff.delay_for(attempt + 1) for _ in range(100))
        assert longest <= shortest_next


def test_next_delay_counts_consecutive_failures_and_reset_starts_over() -> None:
    backoff = Backoff(initial_s=1.0, max_s=100.0)

    first, second, third = backoff.next_delay(), backoff.next_delay(), backoff.next_delay()
    backoff.reset()

    assert (0.5 <= first <= 1.0, 1.0 <= second <= 2.0, 2.0 <= third <= 4.0) == (True, True, True)
    assert 0.5 <= backoff.next_delay() <= 1.0
    assert backoff.failures == 1


def test_huge_attempt_counts_stay_at_the_cap_instead_of_overflowing() -> None:
    assert 15.0 <= Backoff(initial_s=0.5, max_s=30.0).delay_for(10_000) <= 30.0
