"""The roster import bench's targets and table, from a results document."""

from __future__ import annotations

from typing import Any

from bench import import_report


def _imported(rate: int, ceiling: int, p99_ms: float = 30.0, drain: int = 12_000) -> dict[str, Any]:
    return {
        "rows": 50_000,
        "ceiling": {"rows_per_s": ceiling, "seconds": 3.0, "students_s": 1.0, "memberships_s": 1.2,
                    "outbox_s": 0.8},
        "http": {"rows_per_s": rate, "seconds": 4.5, "body_mb": 6.7, "server_cpu_s": 2.4,
                 "server_peak_rss_mb": 250.0},
        "ratio_to_ceiling": round(rate / ceiling, 3),
        "small_imports": {"rows_per_import": 30, "teachers": 25, "rate": 50, "p50_ms": 11.0,
                          "p99_ms": p99_ms, "max_ms": 60.0, "errors": 0},
        "relay_drain": {"backlog": 50_001, "drain_events_per_s": drain},
        "sqlite": {"status": "OK", "rows_per_s": 9_000, "seconds": 5.5},
    }  # fmt: skip


def test_every_target_of_the_issue_is_checked_against_the_same_run() -> None:
    imported = _imported(rate=11_000, ceiling=17_000, p99_ms=45.0, drain=9_000)
    import_report.add_single_create_ratio(imported, {"post_student": {"rps": 800.0}})

    statuses = {check["target"]: check["status"] for check in import_report.targets(imported)}

    assert imported["times_single_create"] == 13.8
    assert list(statuses.values()) == ["PASS", "PASS", "PASS", "PASS", "MISS", "MISS"]
    assert "import of 50,000 rows ≥ 60% of its COPY ceiling" in statuses


def test_a_skipped_import_has_no_targets_and_no_section() -> None:
    assert import_report.targets({"status": "skipped"}) == []
    assert import_report.section({"status": "skipped"}) == []


def test_the_section_shows_the_import_beside_its_ceiling_and_the_single_create_route() -> None:
    imported = _imported(rate=11_000, ceiling=17_000)
    import_report.add_single_create_ratio(imported, {"post_student": {"rps": 800.0}})

    title, table = import_report.section(imported)

    assert title.startswith("## Roster import (50,000 students")
    assert "| 11,000 students/s (4.5 s) |" in table
    assert "17,000 rows/s" in table
    assert "800.0 req/s (import: 13.8x)" in table
