"""Repository ports for the teacher's writes: classes, students and idempotency keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.idempotency import IdempotencyClaim, IdempotentWrite, StoredKey
from class_management_service.domain.models import (
    ClassChanges,
    DeletedClass,
    DeletedStudent,
    NewClass,
    NewStudent,
    Page,
    PageRequest,
    RosterEntry,
    SchoolClass,
    Student,
    StudentChanges,
    StudentFilter,
    StudentUpdate,
)
from class_management_service.domain.preconditions import IfMatch

T_contra = TypeVar("T_contra", contravariant=True)


class EventsFor(Protocol[T_contra]):
    """Builds the outbox events for a write's outcome; called inside the write's transaction."""

    def __call__(self, outcome: T_contra, /) -> Sequence[OutboxEvent]: ...


class ClassRepositoryProtocol(Protocol):
    """Stores classes; every method is scoped to the owning teacher."""

    async def create(
        self,
        new: NewClass,
        events: EventsFor[SchoolClass],
        *,
        key: IdempotentWrite[SchoolClass] | None = None,
    ) -> SchoolClass:
        """``key``, when given, is completed with the response in the create's transaction."""

    async def get(self, owner: str, class_id: UUID) -> SchoolClass: ...

    async def list(self, owner: str, page: PageRequest) -> Page[SchoolClass]: ...

    async def update(
        self,
        owner: str,
        class_id: UUID,
        changes: ClassChanges,
        events: EventsFor[SchoolClass],
        *,
        if_match: IfMatch | None = None,
    ) -> SchoolClass:
        """PreconditionFailedError when ``if_match`` does not hold the current version (checked
        under the write's lock, before anything else: a stale tag fails even for an update that
        would change nothing); a missing class is ClassNotFoundError either way. An update that
        changes nothing (``domain.updates``) writes nothing and asks no events."""

    async def delete(
        self,
        owner: str,
        class_id: UUID,
        events: EventsFor[DeletedClass],
        *,
        at: datetime,
        force: bool = False,
        if_match: IfMatch | None = None,
    ) -> DeletedClass:
        """``if_match`` as for ``update``. Raises PendingValidationsError while essays of the class
        await a decision, unless ``force``: then those essays are rejected (method ``human``, by
        ``owner``, at ``at``, the caller's clock time of the delete) and each batch this completes
        (``completed_at`` = ``at``) is in ``DeletedClass.completed_batches``, in the same transaction."""

    async def roster(self, class_id: UUID, owner: str | None) -> Sequence[RosterEntry]:
        """Students of a class by last, first name; ``owner=None`` is a trusted internal caller."""


class StudentRepositoryProtocol(Protocol):
    """Stores students and their class memberships; every method is scoped to the owner."""

    async def create(
        self, new: NewStudent, events: EventsFor[Student], *, key: IdempotentWrite[Student] | None = None
    ) -> Student:
        """``key``, when given, is completed with the response in the create's transaction."""

    async def get(self, owner: str, student_id: UUID) -> Student: ...

    async def list(self, owner: str, page: PageRequest, where: StudentFilter) -> Page[Student]: ...

    async def update(
        self,
        owner: str,
        student_id: UUID,
        changes: StudentChanges,
        events: EventsFor[StudentUpdate],
        *,
        if_match: IfMatch | None = None,
    ) -> StudentUpdate:
        """``if_match`` as for classes: PreconditionFailedError when the version is not current,
        checked first. Names merge as ``domain.updates.merged_names`` decides; every class added or
        removed that the student is not in must be the owner's (ClassNotFoundError naming them,
        nothing written); an update that changes nothing writes nothing and asks no events."""

    async def delete(
        self,
        owner: str,
        student_id: UUID,
        events: EventsFor[DeletedStudent],
        *,
        at: datetime,
        force: bool = False,
        if_match: IfMatch | None = None,
    ) -> DeletedStudent:
        """``if_match`` as for ``update``. Raises PendingValidationsError while a pending essay
        lists the student as a candidate, unless ``force``: then those essays are rejected at
        ``at``, as for a class."""


class IdempotencyStoreProtocol(Protocol):
    """Claims a teacher's ``Idempotency-Key``; the write that follows completes it in its own transaction."""

    async def claim(self, claim: IdempotencyClaim) -> StoredKey | None:
        """None when this request now holds the key (new, expired, or an abandoned claim past its
        lease); otherwise the key as stored, for ``domain.idempotency.replay`` to judge."""

    async def release(self, claim: IdempotencyClaim) -> None:
        """Forget this request's claim after its write failed, so a retry runs afresh."""

    async def purge(self, older_than: datetime) -> int:
        """Delete keys created before ``older_than``; returns how many."""
