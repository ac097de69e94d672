"""The errors of a roster import as a whole (a row's own errors are part of its result)."""

from __future__ import annotations

from collections.abc import Sequence

from class_management_service.domain.errors import ClassManagementError
from class_management_service.domain.import_rows import RowOutcome
from class_management_service.domain.roster_import import ImportPlan


class ImportRejectedError(ClassManagementError):
    """An atomic import with invalid rows: nothing was written; the details list every row error."""

    code = "IMPORT_REJECTED"

    def __init__(self, plan: ImportPlan) -> None:
        invalid = [result for result in plan.results if result.outcome is RowOutcome.INVALID]
        rows = [
            {"row": result.line, "errors": [{"field": e.field, "message": e.message} for e in result.errors]}
            for result in invalid
        ]
        super().__init__(
            f"{len(invalid)} invalid row(s) in an atomic import: nothing was imported",
            {"invalid_rows": rows},
        )


class UploadTooLargeError(ClassManagementError):
    """An upload beyond a configured limit (bytes or rows): refused before anything is planned."""

    code = "PAYLOAD_TOO_LARGE"

    def __init__(self, limit_name: str, limit: int) -> None:
        super().__init__(
            f"The upload exceeds {limit_name} ({limit:,}); split it into smaller files",
            {"limit": limit_name, "maximum": limit},
        )


class MalformedUploadError(ClassManagementError):
    """A CSV or JSON upload that cannot be read as rows; names the line where reading failed."""

    code = "MALFORMED_UPLOAD"

    def __init__(self, line: int, reason: str, columns: Sequence[str] = ()) -> None:
        details: dict[str, object] = {"line": line, "reason": reason}
        if columns:
            details["columns"] = list(columns)
        super().__init__(f"Line {line}: {reason}", details)
