"""A roster import's plan to its response body (the shape of ``import_schemas.ImportResultModel``)."""

from __future__ import annotations

from class_management_service.api.presenters import Body
from class_management_service.domain.import_rows import RowOutcome
from class_management_service.domain.roster_import import ImportPlan, RowResult

_NO_ERRORS: list[Body] = []


def import_body(plan: ImportPlan) -> Body:
    upload = plan.upload
    return {
        "mode": upload.mode.value,
        "dry_run": upload.dry_run,
        "atomic": upload.atomic,
        "class_ids": [str(class_id) for class_id in upload.class_ids],
        "counts": {outcome.value: plan.counts.get(outcome, 0) for outcome in RowOutcome},
        "results": [_result(result) for result in plan.results],
    }


def _result(result: RowResult) -> Body:
    return {
        "row": result.line,
        "outcome": result.outcome.value,
        "student_id": str(result.student_id) if result.student_id is not None else None,
        "errors": [{"field": e.field, "message": e.message} for e in result.errors]
        if result.errors
        else _NO_ERRORS,
    }
