"""Class membership rules: which memberships a change really adds or removes, and their times."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from uuid import UUID


def membership_times(at: datetime, count: int) -> list[datetime]:
    """Memberships read back ordered by (created_at, id); one microsecond apart keeps request order."""
    start = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return [start + timedelta(microseconds=i) for i in range(count)]


def enrolment(class_ids: Sequence[UUID], at: datetime) -> dict[UUID, datetime]:
    """A new student's memberships and when each began, in request order."""
    return dict(zip(class_ids, membership_times(at, len(class_ids)), strict=True))


def in_read_order(joined: Mapping[UUID, datetime]) -> list[UUID]:
    """The order reads return memberships in: by membership time, then class id."""
    return sorted(joined, key=lambda class_id: (joined[class_id], class_id))


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """What an update does to a student's memberships: only classes really joined or left count."""

    added: tuple[UUID, ...]
    added_at: tuple[datetime, ...]
    removed: tuple[UUID, ...]
    class_ids: tuple[UUID, ...]
    """Every class after the change, in read order."""

    @property
    def joined(self) -> dict[UUID, datetime]:
        """The new memberships and when each began."""
        return dict(zip(self.added, self.added_at, strict=True))


def membership_change(
    joined: Mapping[UUID, datetime], adding: Sequence[UUID], leaving: Sequence[UUID], at: datetime
) -> MembershipChange:
    """Apply ``adding`` then ``leaving`` (each without repeats) to the memberships ``joined``.

    A class already joined is not added again and one not joined is not removed; both are
    judged against ``joined`` as it was, so an id in both lists is either added or removed.
    """
    added = tuple(class_id for class_id in adding if class_id not in joined)
    removed = tuple(class_id for class_id in leaving if class_id in joined)
    added_at = tuple(membership_times(at, len(added)))
    kept = {class_id: since for class_id, since in joined.items() if class_id not in removed}
    after = kept | dict(zip(added, added_at, strict=True))
    return MembershipChange(added, added_at, removed, tuple(in_read_order(after)))
