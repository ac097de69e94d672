"""Reduce a scenario's interleaved rounds to one result: the median round, with every round beside it.

On this machine class (two vCPUs of a shared host) the same scenario, server and code measured
a few minutes apart differ by up to 70% in req/s and CPU per request (GET student: 1,295 and
2,307 req/s in two runs of one configuration), because the host's load changes from minute to
minute. One run per scenario therefore reports the host's phase as much as the service. The
harness measures every scenario once per round, round after round, so a slow phase of the host
falls on each scenario in about one round; the median round is the reported figure.
"""

from __future__ import annotations

from typing import Any

Result = dict[str, Any]

# What each round contributes to the ``rounds`` list of the reported result.
ROUND_FIELDS = ("rps", "cpu_ms_per_req", "p99_ms", "errors", "status", "machine_probe_cpu_s")


def median_round(rounds: list[Result]) -> Result:
    """The round with the median req/s (the lower of the two middle ones for an even count).

    Its figures stay together (req/s, latency, CPU, commit→ack come from one round), except:
    ``errors`` counts every round's and ``status`` fails if any round failed, because an error in
    any round is a failure of the scenario; ``open_loop`` is taken from the round that ran it.
    """
    if not rounds:
        raise ValueError("a scenario needs at least one round")
    ordered = sorted(rounds, key=lambda result: float(result["rps"]))
    reported = dict(ordered[(len(ordered) - 1) // 2])
    reported["errors"] = sum(int(result["errors"]) for result in rounds)
    if any(result["status"] != "OK" for result in rounds):
        reported["status"] = "FAILED"
    open_loop = next((result["open_loop"] for result in rounds if "open_loop" in result), None)
    if open_loop is not None:
        reported["open_loop"] = open_loop
    reported["rounds"] = [{field: result.get(field) for field in ROUND_FIELDS} for result in rounds]
    return reported
