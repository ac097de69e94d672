"""configure_logging: third-party (stdlib) records become the service's JSON lines, throttled."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import orjson
import pytest
import structlog
from granian import log as granian_log

from class_management_service.config import Settings
from class_management_service.log_throttle import RepeatThrottleFilter
from class_management_service.logging_config import GRANIAN_LOG_DICTCONFIG, configure_logging


@pytest.fixture
def stdlib_root() -> Iterator[logging.Logger]:
    """The root logger, put back as it was (handlers and level) after the test."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def _json_lines(text: str) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in text.splitlines() if line.strip()]


def test_third_party_records_are_json_lines_with_the_service_fields(
    stdlib_root: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(Settings(log_format="json", log_level="INFO"))

    logging.getLogger("aiokafka").error("Unable to update metadata from %s", [1])
    try:
        raise ZeroDivisionError("boom")
    except ZeroDivisionError:
        logging.getLogger("asyncio").exception("Task exception was never retrieved")
    logging.getLogger("aiokafka").info("Discovered coordinator")  # below WARNING: not written

    first, second = _json_lines(capsys.readouterr().out)
    assert first == {
        "event": "Unable to update metadata from [1]",
        "logger": "aiokafka",
        "level": "error",
        "timestamp": first["timestamp"],
    }
    assert str(first["timestamp"]).endswith("Z")
    assert second["logger"] == "asyncio"
    assert "ZeroDivisionError: boom" in str(second["exception"])


def test_repeats_are_throttled_and_the_next_line_says_how_many_were_dropped(
    stdlib_root: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(Settings(log_format="json"))
    clock = [0.0]
    (handler,) = [
        h for h in stdlib_root.handlers if any(isinstance(f, RepeatThrottleFilter) for f in h.filters)
    ]
    handler.filters[:] = [RepeatThrottleFilter(clock=lambda: clock[0])]  # the same filter, on a fake clock
    log = logging.getLogger("aiokafka")

    for step in range(300):  # 30 s of one line every 0.1 s
        clock[0] = step * 0.1
        log.error("Unable connect to node with id %s: %s", 1, "refused")

    lines = _json_lines(capsys.readouterr().out)
    assert [line.get("suppressed") for line in lines] == [None, 99, 99]


def test_configuring_twice_keeps_one_handler_of_ours(
    stdlib_root: logging.Logger, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging(Settings(log_format="json"))
    configure_logging(Settings(log_format="console"))

    logging.getLogger("aiokafka").warning("Got error produce response: %s", "NodeNotReadyError")

    out = capsys.readouterr().out
    assert out.count("Got error produce response: NodeNotReadyError") == 1
    assert "[warning" in out  # the console renderer this time


def test_granians_own_lines_use_the_same_json_through_its_log_config(
    capsys: pytest.CaptureFixture[str],
) -> None:
    granian_logger = logging.getLogger("_granian")
    saved = list(granian_logger.handlers), granian_logger.level, granian_logger.propagate
    try:
        # what serve hands granian
        granian_log.configure_logging(
            granian_log.LogLevels.info, GRANIAN_LOG_DICTCONFIG
        )  # what serve hands granian
        granian_logger.info("Listening at: %s", "http://127.0.0.1:5002")
    finally:
        granian_logger.handlers[:], granian_logger.level, granian_logger.propagate = saved

    (line,) = _json_lines(capsys.readouterr().out)
    assert line["event"] == "Listening at: http://127.0.0.1:5002"
    assert line["logger"] == "_granian"
    assert line["level"] == "info"
