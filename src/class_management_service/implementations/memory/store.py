"""The shared state behind the in-memory repositories: a tiny database with one write lock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar
from uuid import UUID

from class_management_service.domain.associations import (
    AssociationBatch,
    BatchReview,
    EssayAssociation,
    PersonNames,
)
from class_management_service.domain.consumed_messages import DeadLetter
from class_management_service.domain.errors import (
    BatchNotFoundError,
    ClassNotFoundError,
    CourseNotFoundError,
    DuplicateStudentEmailError,
    DuplicateStudentExternalIdError,
    StudentNotFoundError,
)
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.idempotency import StoredKey
from class_management_service.domain.models import (
    Course,
    PageRequest,
    SchoolClass,
    Student,
)
from class_management_service.protocols import (
    OutboxStatsProtocol,
)

REFERENCE_COURSES = (
    Course("ENG5", "English 5", "en"),
    Course("ENG6", "English 6", "en"),
    Course("ENG7", "English 7", "en"),
    Course("SV1", "Svenska 1", "sv"),
    Course("SV2", "Svenska 2", "sv"),
    Course("SV3", "Svenska 3", "sv"),
)

Memberships = dict[tuple[UUID, UUID], datetime]
"""(class_id, student_id) → when the membership was created."""

_Row = TypeVar("_Row", SchoolClass, Student)


class InMemoryStore:
    """The one state both repositories share, as a database would; ``lock`` serialises writes."""

    # Stored classes carry student_count=0 and stored students class_ids=(): both are derived
    # from ``memberships`` on every read, so there is one source of truth.
    def __init__(self) -> None:
        self.courses = {course.code: course for course in REFERENCE_COURSES}
        self.classes: dict[UUID, SchoolClass] = {}
        self.students: dict[UUID, Student] = {}
        self.memberships: Memberships = {}
        self.outbox: list[OutboxEvent] = []
        # Essay→student matching, as the SQL tables hold it: essays are stored without
        # ``student_names`` (joined in on reads), batches with the class's name and owner as
        # they were when stored (refreshed on reads).
        self.batches: dict[str, AssociationBatch] = {}
        self.essays: dict[str, EssayAssociation] = {}
        self.inbox: set[UUID] = set()
        self.dead_letters: list[DeadLetter] = []
        # (owner, key) → the stored Idempotency-Key.
        self.idempotency_keys: dict[tuple[str, str], StoredKey] = {}
        self.lock = asyncio.Lock()

    def course(self, code: str) -> Course:
        if code not in self.courses:
            raise CourseNotFoundError(code)
        return self.courses[code]

    def owned_class(self, owner: str | None, class_id: UUID) -> SchoolClass:
        row = self.classes.get(class_id)
        if row is None or (owner is not None and row.created_by_user_id != owner):
            raise ClassNotFoundError([class_id])
        return row

    def check_classes_owned(self, owner: str, class_ids: Iterable[UUID]) -> None:
        missing = [
            i for i in class_ids if i not in self.classes or self.classes[i].created_by_user_id != owner
        ]
        if missing:
            raise ClassNotFoundError(missing)

    def owned_student(self, owner: str, student_id: UUID) -> Student:
        row = self.students.get(student_id)
        if row is None or row.created_by_user_id != owner:
            raise StudentNotFoundError(student_id)
        return row

    def check_unique(self, student: Student) -> None:
        """As the unique indexes (email in any case first, as PostgreSQL's ON CONFLICT checks it)."""
        owner, email, external_id = student.created_by_user_id, student.email, student.external_id
        others = [s for s in self.students.values() if s.created_by_user_id == owner and s.id != student.id]
        if email is not None and any((s.email or "").lower() == email.lower() for s in others):
            raise DuplicateStudentEmailError()
        if external_id is not None and any(s.external_id == external_id for s in others):
            raise DuplicateStudentExternalIdError()

    def full_class(self, row: SchoolClass, links: Memberships | None = None) -> SchoolClass:
        count = sum(1 for class_id, _ in (self.memberships if links is None else links) if class_id == row.id)
        return replace(row, student_count=count)

    def full_student(self, row: Student, links: Memberships | None = None) -> Student:
        items = (self.memberships if links is None else links).items()
        ordered = sorted((at, class_id) for (class_id, sid), at in items if sid == row.id)
        return replace(row, class_ids=tuple(class_id for _, class_id in ordered))

    def commit(self, events: Sequence[OutboxEvent], links: Memberships | None = None) -> None:
        self.outbox.extend(events)
        if links is not None:
            self.memberships = links

    def class_members(self, class_id: UUID) -> frozenset[UUID]:
        return frozenset(sid for cid, sid in self.memberships if cid == class_id)

    def batch_review(self, owner: str | None, batch_id: str) -> BatchReview:
        """A batch as stored, owner-scoped through its class, essays in position order with names."""
        row = self.batches.get(batch_id)
        school_class = None if row is None else self.classes.get(row.class_id)
        if row is None or school_class is None or owner not in (None, school_class.created_by_user_id):
            raise BatchNotFoundError(batch_id)
        batch = replace(row, class_name=school_class.name, owner=school_class.created_by_user_id)
        essays = sorted(
            (self.named(e) for e in self.essays.values() if e.batch_id == batch_id),
            key=lambda e: (e.position, e.essay_id),
        )
        return BatchReview(batch, tuple(essays))

    def named(self, essay: EssayAssociation) -> EssayAssociation:
        """The essay with its decided student's names joined in (None when there is none)."""
        student = None if essay.student_id is None else self.students.get(essay.student_id)
        names = (
            None
            if student is None
            else PersonNames(student.first_name, student.last_name, student.legal_full_name)
        )
        return replace(essay, student_names=names)

    def save_review(self, review: BatchReview) -> None:
        """Stores a batch and its essays (names are not stored: they are read from the students)."""
        self.batches[review.batch.batch_id] = review.batch
        self.essays.update((e.essay_id, replace(e, student_names=None)) for e in review.essays)

    def forget_student(self, student_id: UUID) -> None:
        """What the SQL foreign keys do: candidate rows go (CASCADE), decisions keep no student (SET NULL)."""
        for essay_id, essay in list(self.essays.items()):
            suggestions = tuple(s for s in essay.suggestions if s.student_id != student_id)
            decided = None if essay.student_id == student_id else essay.student_id
            if suggestions != essay.suggestions or decided != essay.student_id:
                self.essays[essay_id] = replace(essay, suggestions=suggestions, student_id=decided)

    def forget_class(self, class_id: UUID) -> None:
        """CASCADE: a class's batches and essays go with it."""
        self.batches = {key: b for key, b in self.batches.items() if b.class_id != class_id}
        self.essays = {
            key: e for key, e in self.essays.items() if e.class_id != class_id and e.batch_id in self.batches
        }


def paginate(rows: Iterable[_Row], page: PageRequest) -> tuple[list[_Row], int]:
    ordered = sorted(rows, key=lambda row: (row.created_at, row.id), reverse=True)
    total = len(ordered)
    if page.after is None:
        return ordered[page.offset : page.offset + page.limit], total
    after = page.after
    # The keyset cursor wins over the offset when both are set, as in the SQL implementation.
    return [row for row in ordered if (row.created_at, row.id) < after][: page.limit], total


def matches_search(row: Student, query: str | None) -> bool:
    needle = (query or "").lower()
    fields = (row.first_name, row.last_name, row.legal_full_name, row.email or "")
    return any(needle in field.lower() for field in fields)


class InMemoryOutboxStats(OutboxStatsProtocol):
    """Outbox backlog of an ``InMemoryStore``, which never publishes: every event is pending."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    async def pending(self) -> tuple[int, float | None]:
        outbox = self._store.outbox
        if not outbox:
            return 0, None
        oldest = min(event.occurred_at for event in outbox)
        return len(outbox), max(0.0, (datetime.now(UTC) - oldest).total_seconds())
