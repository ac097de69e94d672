"""The roster-import counters: rows by outcome, and created students counted as creations."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from class_management_service.implementations.observability.prometheus_metrics import PrometheusMetrics


def test_an_import_counts_its_rows_by_outcome_and_its_created_students_as_creations() -> None:
    registry = CollectorRegistry()
    metrics = PrometheusMetrics(registry)
    metrics.student_created()
    metrics.rows_imported({"created": 3, "unchanged": 2, "invalid": 1})
    metrics.rows_imported({"updated": 4})

    def sample(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert sample("cms_import_rows_total", outcome="created") == 3
    assert sample("cms_import_rows_total", outcome="unchanged") == 2
    assert sample("cms_import_rows_total", outcome="updated") == 4
    assert sample("cms_students_created_total") == 4
