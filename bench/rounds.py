"""Reduce a scenario's interleaved rounds to one result: the median round, with every round beside it.

On this machine class (two vCPUs of a shared host) the same scenario, server and code measured
a few minutes apart differ by up to 70% in req/s and CPU per request (GET student: 1,295 and
2,307 req/s in two runs of one configuration), because the host's load changes from minute to
minute. One run per scenario therefore reports the host's phase as much as the service. The
harness measures every scenario once per round, round after round, so a slow phase of the host
falls on each scenario in about one round; the median round is the reported figure, and the
median of the rounds' open-loop runs likewise.
"""

from __future__ import annotations

from bench.report import Result

# What each round contributes to the ``rounds`` list of the reported result.
ROUND_FIELDS = ("rps", "cpu_ms_per_req", "p99_ms", "errors", "status", "machine_probe_cpu_s")


def median_round(rounds: list[Result]) -> Result:
    """The round with the median req/s (the lower of the two middle ones for an even count).

    Its closed-loop figures stay together (req/s, latency, CPU, commit→ack come from one round),
    except: ``errors`` counts every round's and ``status`` fails if any round failed, because an
    error in any round is a failure of the scenario. The open-loop run is a measurement of its
    own, so it is the rounds' open-loop run with the median p99, whole.
    """
    if not rounds:
        raise ValueError("a scenario needs at least one round")
    reported = dict(_median(rounds, "rps"))
    reported["errors"] = sum(int(result["errors"]) for result in rounds)
    if any(result["status"] != "OK" for result in rounds):
        reported["status"] = "FAILED"
    open_loops = [result["open_loop"] for result in rounds if result.get("open_loop")]
    if open_loops:
        reported["open_loop"] = _median(open_loops, "p99_ms")
    reported["rounds"] = [_round_summary(result) for result in rounds]
    return reported


def _median(results: list[Result], key: str) -> Result:
    ordered = sorted(results, key=lambda result: float(result[key]))
    return ordered[(len(ordered) - 1) // 2]


def _round_summary(result: Result) -> Result:
    # The open-loop errors too: a round whose fixed-rate run timed out is not the median's.
    open_loop = result.get("open_loop") or {}
    summary = {field: result.get(field) for field in ROUND_FIELDS}
    return summary | {
        "open_loop_p99_ms": open_loop.get("p99_ms"),
        "open_loop_errors": open_loop.get("errors"),
    }
