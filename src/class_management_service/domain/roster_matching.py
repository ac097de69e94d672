"""Which existing student each import row names, and the rows that name someone ambiguously.

A row names a student by ``external_id``, else by email (case-insensitively, as the unique
index compares them). Nothing is guessed: a row is invalid, with the reason, when

- another row of the same upload has its email or external id (every such row is invalid);
- its external id and its email belong to two different students;
- its email belongs to a student whose external id is another one;
- another row names the same existing student.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from uuid import UUID

from class_management_service.domain.import_rows import FieldError, ImportRow, ParsedRow
from class_management_service.domain.models import Student


@dataclass(frozen=True, slots=True)
class RowMatch:
    """The student a valid row names (None: nobody yet), or why the row is invalid."""

    student: Student | None = None
    errors: tuple[FieldError, ...] = ()


def match_rows(rows: Sequence[ParsedRow], existing: Iterable[Student]) -> dict[int, RowMatch]:
    """A match for every valid row, by line; invalid rows have none."""
    valid = [row for row in rows if isinstance(row, ImportRow)]
    students = list(existing)
    by_external_id = {s.external_id: s for s in students if s.external_id is not None}
    by_email = {s.email.lower(): s for s in students if s.email is not None}
    repeated = _repeated_in_upload(valid)
    matches: dict[int, RowMatch] = {}
    for row in valid:
        errors = repeated.get(row.line)
        matches[row.line] = (
            RowMatch(errors=tuple(errors)) if errors else _match(row, by_external_id, by_email)
        )
    _refuse_shared_students(matches)
    return matches


def _match(row: ImportRow, by_external_id: dict[str, Student], by_email: dict[str, Student]) -> RowMatch:
    named = by_external_id.get(row.external_id) if row.external_id is not None else None
    mailed = by_email.get(row.email.lower()) if row.email is not None else None
    if named is not None and mailed is not None and named.id != mailed.id:
        message = f"belongs to another student ({mailed.id}) than the external_id does ({named.id})"
        return RowMatch(errors=(FieldError("email", message),))
    if named is None and mailed is not None and _has_other_external_id(mailed, row.external_id):
        message = f"the student with this email ({mailed.id}) has another external_id"
        return RowMatch(errors=(FieldError("external_id", message),))
    return RowMatch(student=named or mailed)


def _has_other_external_id(student: Student, external_id: str | None) -> bool:
    return external_id is not None and student.external_id is not None and student.external_id != external_id


def _repeated_in_upload(rows: Sequence[ImportRow]) -> dict[int, list[FieldError]]:
    """Rows sharing an email (any case) or an external id with another row, and which lines."""
    lines_by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for row in rows:
        if row.email is not None:
            lines_by_key["email", row.email.lower()].append(row.line)
        if row.external_id is not None:
            lines_by_key["external_id", row.external_id].append(row.line)
    errors: dict[int, list[FieldError]] = defaultdict(list)
    for (field, _), lines in lines_by_key.items():
        if len(lines) > 1:
            for line in lines:
                others = ", ".join(str(other) for other in lines if other != line)
                errors[line].append(
                    FieldError(field, f"the same {field} is on line(s) {others} of this upload")
                )
    return errors


def _refuse_shared_students(matches: dict[int, RowMatch]) -> None:
    """Two rows naming one existing student: neither is applied, since they may disagree."""
    lines_by_student: dict[UUID, list[int]] = defaultdict(list)
    for line, match in matches.items():
        if match.student is not None:
            lines_by_student[match.student.id].append(line)
    for student_id, lines in lines_by_student.items():
        if len(lines) > 1:
            for line in lines:
                others = ", ".join(str(other) for other in lines if other != line)
                message = f"names the same student ({student_id}) as line(s) {others}"
                matches[line] = RowMatch(errors=(FieldError("row", message),))
