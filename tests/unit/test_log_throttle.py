"""RepeatThrottleFilter: one line per logger and template per window, then the count of the rest."""

from __future__ import annotations

import logging

from class_management_service.log_throttle import RepeatThrottleFilter


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _record(
    message: str = "Unable to update metadata from %s", *args: object, name: str = "aiokafka"
) -> logging.LogRecord:
    return logging.LogRecord(name, logging.ERROR, __file__, 1, message, args or ([1],), None)


def test_repeats_within_the_window_are_dropped_and_counted_on_the_next_line() -> None:
    clock = FakeClock()
    throttle = RepeatThrottleFilter(window_s=10.0, clock=clock)

    first = _record()
    assert throttle.filter(first)
    assert not hasattr(first, "suppressed")
    passed = []
    for step in range(1, 200):  # 20 s of a line every 0.1 s, arguments changing
        clock.now = 1000.0 + step * 0.1
        record = _record("Unable to update metadata from %s", [step])
        if throttle.filter(record):
            passed.append(record)

    assert len(passed) == 1
    assert passed[0].suppressed == 99  # type: ignore[attr-defined]


def test_each_logger_and_template_has_its_own_window() -> None:
    throttle = RepeatThrottleFilter(window_s=10.0, clock=FakeClock())

    assert throttle.filter(_record())
    assert throttle.filter(_record(name="aiokafka.producer.sender"))
    assert throttle.filter(_record("Unable connect to node with id %s: %s", 1, "refused"))
    assert not throttle.filter(_record())


def test_a_line_after_a_quiet_window_passes_without_a_count() -> None:
    clock = FakeClock()
    throttle = RepeatThrottleFilter(window_s=10.0, clock=clock)
    assert throttle.filter(_record())

    clock.now += 10.0
    later = _record()

    assert throttle.filter(later)
    assert not hasattr(later, "suppressed")


def test_many_distinct_messages_do_not_grow_the_memory_without_bound() -> None:
    clock = FakeClock()
    throttle = RepeatThrottleFilter(window_s=10.0, clock=clock)

    for index in range(5000):
        clock.now += 0.001
        assert throttle.filter(_record(f"pre-formatted text {index}"))

    assert throttle.tracked_keys <= 1024
