"""What a roster import does to a teacher's students, decided before anything is written.

Every backend locks the teacher's students, loads the ones the rows name (``lookup_keys``),
calls ``plan_import`` and writes what the plan says: pure, so one set of rules serves all three.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from class_management_service.domain.import_rows import (
    FieldError,
    ImportMode,
    ImportRow,
    InvalidRow,
    RosterUpload,
    RowOutcome,
)
from class_management_service.domain.memberships import membership_times
from class_management_service.domain.models import UNSET, Student, StudentChanges, StudentUpdate
from class_management_service.domain.roster_matching import RowMatch, match_rows
from class_management_service.domain.rules import full_name_of
from class_management_service.domain.updates import student_edit


@dataclass(frozen=True, slots=True)
class ImportCommand:
    """An upload of one teacher, stamped with the request's time; ``new_id`` names created students."""

    owner: str
    upload: RosterUpload
    at: datetime
    new_id: Callable[[], UUID]

    def lookup_keys(self, *, fold_emails: bool = True) -> tuple[list[str], list[str]]:
        """The valid rows' external ids and emails: the students to load. Emails are lower-cased,
        or as spelt (``fold_emails=False``) for a database whose own folding must decide."""
        valid = [row for row in self.upload.rows if isinstance(row, ImportRow)]
        external_ids = list({row.external_id for row in valid if row.external_id is not None})
        emails = {row.email for row in valid if row.email is not None}
        return external_ids, list({email.lower() for email in emails} if fold_emails else emails)


@dataclass(frozen=True, slots=True)
class RowResult:
    """One row's outcome; ``student_id`` is the student created, updated or matched."""

    line: int
    outcome: RowOutcome
    student_id: UUID | None = None
    errors: tuple[FieldError, ...] = ()


@dataclass(frozen=True, slots=True)
class Membership:
    """A class a created or updated student joins, and since when."""

    student_id: UUID
    class_id: UUID
    joined_at: datetime


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """The decided import: one result per row, and the writes (empty for a rejected atomic import)."""

    upload: RosterUpload
    results: tuple[RowResult, ...]
    created: tuple[Student, ...]
    updated: tuple[StudentUpdate, ...]
    memberships: tuple[Membership, ...]
    """Every class joined by a created or updated student, in row order then class order."""
    counts: Counter[RowOutcome]

    @property
    def is_rejected(self) -> bool:
        """An atomic import with an invalid row writes nothing and answers 400."""
        return self.upload.atomic and self.counts[RowOutcome.INVALID] > 0

    @property
    def writes(self) -> bool:
        """Whether a real run writes anything: not a dry run, not rejected, and something changes."""
        return not (self.upload.dry_run or self.is_rejected) and bool(self.created or self.updated)


def plan_import(command: ImportCommand, existing: Iterable[Student]) -> ImportPlan:
    """Decide every row against ``existing``: the owner's students that ``lookup_keys`` name."""
    planning = ImportPlanning(command, existing)
    deque(planning.created_students(), maxlen=0)
    return planning.plan()


class ImportPlanning:
    """``plan_import`` row by row: a backend may write each created student while later rows are decided."""

    def __init__(self, command: ImportCommand, existing: Iterable[Student]) -> None:
        self._upload, self._planner = command.upload, _Planner(command)
        self._matches = match_rows(self._upload.rows, existing)
        self._results: list[RowResult] = []

    def created_students(self) -> Iterator[Student]:
        """Decides every row in order; yields each created student as soon as its row is decided."""
        planner, matches, results = self._planner, self._matches, self._results
        created = planner.created
        for row in self._upload.rows:
            count = len(created)
            results.append(planner.decide(row, matches.get(row.line)))
            if len(created) > count:
                yield created[-1]

    def plan(self) -> ImportPlan:
        """The plan, once ``created_students`` is consumed; a backend undoes its writes if it is rejected."""
        upload, planner, results = self._upload, self._planner, tuple(self._results)
        if len(results) != len(upload.rows):
            raise RuntimeError("plan() before every row was decided")
        counts = Counter(result.outcome for result in results)
        if upload.atomic and counts[RowOutcome.INVALID]:
            return ImportPlan(upload, results, (), (), (), counts)
        created, updated = tuple(planner.created), tuple(planner.updated)
        return ImportPlan(upload, results, created, updated, tuple(planner.memberships), counts)


class _Planner:
    """Decides rows one by one and gathers the writes they make."""

    def __init__(self, command: ImportCommand) -> None:
        self._command = command
        self._class_ids = command.upload.class_ids
        self._joined_at = membership_times(command.at, len(self._class_ids))
        self.created: list[Student] = []
        self.updated: list[StudentUpdate] = []
        self.memberships: list[Membership] = []

    def decide(self, row: ImportRow | InvalidRow, match: RowMatch | None) -> RowResult:
        if isinstance(row, InvalidRow):
            return RowResult(row.line, RowOutcome.INVALID, errors=row.errors)
        if match is not None and match.errors:
            return RowResult(row.line, RowOutcome.INVALID, errors=match.errors)
        if match is None or match.student is None:
            return self._new_student(row)
        return self._existing_student(row, match.student)

    def _new_student(self, row: ImportRow) -> RowResult:
        command = self._command
        if command.upload.mode is ImportMode.UPDATE_ONLY:
            return RowResult(row.line, RowOutcome.SKIPPED)
        legal = row.legal_full_name or full_name_of(row.first_name, row.last_name)
        student = Student(
            command.new_id(),
            row.first_name,
            row.last_name,
            legal,
            row.email,
            self._class_ids,
            command.owner,
            command.at,
            command.at,
            external_id=row.external_id,
        )
        self.created.append(student)
        self._join(student.id, self._class_ids, self._joined_at)
        return RowResult(row.line, RowOutcome.CREATED, student.id)

    def _existing_student(self, row: ImportRow, current: Student) -> RowResult:
        changes = StudentChanges(
            first_name=row.first_name,
            last_name=row.last_name,
            legal_full_name=row.legal_full_name,
            email=UNSET if row.email is None else row.email,
            add_class_ids=self._class_ids,
            remove_class_ids=(),
            at=self._command.at,
            external_id=UNSET if row.external_id is None else row.external_id,
        )
        edit = student_edit(current, _in_given_order(current.class_ids), changes)
        if not edit.is_changed:
            return RowResult(row.line, RowOutcome.UNCHANGED, current.id)
        if self._command.upload.mode is ImportMode.CREATE_ONLY:
            return RowResult(row.line, RowOutcome.SKIPPED, current.id)
        self.updated.append(edit.outcome)
        self._join(current.id, edit.membership.added, edit.membership.added_at)
        return RowResult(row.line, RowOutcome.UPDATED, current.id)

    def _join(self, student_id: UUID, class_ids: Sequence[UUID], since: Sequence[datetime]) -> None:
        self.memberships.extend(
            Membership(student_id, class_id, at) for class_id, at in zip(class_ids, since, strict=True)
        )


def _in_given_order(class_ids: Sequence[UUID]) -> dict[UUID, datetime]:
    """Memberships whose times (never written) keep ``class_ids``' read order; joins come after."""
    since = membership_times(datetime.min.replace(tzinfo=UTC), len(class_ids))
    return dict(zip(class_ids, since, strict=True))
