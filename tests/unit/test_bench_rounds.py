"""The benchmark's reduction of interleaved rounds to the reported figure of a scenario."""

from __future__ import annotations

from typing import Any

import pytest
from bench.rounds import median_round


def _round(rps: float, cpu: float, errors: int = 0, **extra: Any) -> dict[str, Any]:
    status = "OK" if errors == 0 else "FAILED"
    measured = {"rps": rps, "cpu_ms_per_req": cpu, "p99_ms": 10.0, "errors": errors, "status": status}
    return measured | {"machine_probe_cpu_s": 0.3} | extra


def test_reports_the_median_round_whole_not_a_mix_of_rounds() -> None:
    rounds = [_round(900.0, 1.1, tag="a"), _round(700.0, 1.4, tag="b"), _round(1200.0, 0.8, tag="c")]

    reported = median_round(rounds)

    assert (reported["rps"], reported["cpu_ms_per_req"], reported["tag"]) == (900.0, 1.1, "a")
    assert [r["rps"] for r in reported["rounds"]] == [900.0, 700.0, 1200.0]  # in the order measured


def test_takes_the_lower_middle_round_of_an_even_count() -> None:
    reported = median_round(
        [_round(1000.0, 1.0), _round(800.0, 1.2), _round(900.0, 1.1), _round(1100.0, 0.9)]
    )

    assert reported["rps"] == 900.0


def test_an_error_in_any_round_fails_the_scenario_and_counts_in_its_errors() -> None:
    rounds = [_round(900.0, 1.1), _round(700.0, 1.4, errors=3), _round(1200.0, 0.8)]

    reported = median_round(rounds)

    assert (reported["status"], reported["errors"]) == ("FAILED", 3)
    assert reported["rounds"][1]["status"] == "FAILED"


def test_reports_the_open_loop_run_with_the_median_p99_whatever_round_made_it() -> None:
    fast, usual, slow = (
        {"rate": 300, "p50_ms": p99 / 4, "p99_ms": p99, "errors": errors}
        for p99, errors in ((6.0, 0), (9.0, 0), (31.0, 2))
    )
    rounds = [
        _round(900.0, 1.1, open_loop=slow),
        _round(700.0, 1.4, open_loop=usual),
        _round(1200.0, 0.8, open_loop=fast),
    ]

    reported = median_round(rounds)

    assert reported["open_loop"] == usual  # from the round whose closed loop was not the median
    assert [r["open_loop_p99_ms"] for r in reported["rounds"]] == [31.0, 9.0, 6.0]
    assert [r["open_loop_errors"] for r in reported["rounds"]] == [2, 0, 0]


def test_a_round_without_an_open_loop_run_leaves_none_reported() -> None:
    reported = median_round([_round(900.0, 1.1), _round(700.0, 1.4)])

    assert "open_loop" not in reported
    assert [r["open_loop_p99_ms"] for r in reported["rounds"]] == [None, None]


def test_a_single_round_is_reported_as_measured() -> None:
    only = _round(900.0, 1.1)

    open_loop_figures = {"open_loop_p99_ms": None, "open_loop_errors": None}
    assert median_round([only]) == only | {"rounds": [only | open_loop_figures]}


def test_refuses_a_scenario_without_rounds() -> None:
    with pytest.raises(ValueError, match="at least one round"):
        median_round([])
