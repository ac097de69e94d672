"""Class membership rules: which memberships a change really adds or removes, and their times."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from uuid import UUID

_T = TypeVar("_T")


def unique_in_order(items: Iterable[_T]) -> tuple[_T, ...]:
    """``items`` without repeats, each kept where it first appears."""
    return tuple(dict.fromkeys(items))


def membership_times(at: datetime, count: int) -> list[datetime]:
    """Memberships read back ordered by (created_at, id); one microsecond apart keeps request order."""
    start = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return [start + timedelta(microseconds=i) for i in range(count)]


def in_read_order(joined: Mapping[UUID, datetime]) -> list[UUID]:
    """The order reads return memberships in: by membership time, then class id."""
    return sorted(joined, key=lambda class_id: (joined[class_id], class_id))


@dataclass(frozen=True, slots=True)
class MembershipDelta:
    """What a change of a student's classes does: ids to add and ids to remove, request order."""

    added: tuple[UUID, ...]
    removed: tuple[UUID, ...]

    @property
    def is_empty(self) -> bool:
        return not self.added and not self.removed


def membership_delta(
    current: Iterable[UUID], add: Iterable[UUID] = (), remove: Iterable[UUID] = ()
) -> MembershipDelta:
    """Only real changes: classes already joined are not added, classes not joined not removed.

    An id both added and removed is removed (removal wins), matching every backend's behaviour.
    """
    held = set(current)
    removing = set(remove)
    added = tuple(c for c in unique_in_order(add) if c not in held and c not in removing)
    removed = tuple(c for c in unique_in_order(remove) if c in held)
    return MembershipDelta(added, removed)


def replacement_delta(current: Iterable[UUID], wanted: Iterable[UUID]) -> MembershipDelta:
    """Setting the classes to exactly ``wanted``: add the missing, remove the rest."""
    held = unique_in_order(current)
    target = unique_in_order(wanted)
    target_set = set(target)
    held_set = set(held)
    return MembershipDelta(
        tuple(c for c in target if c not in held_set), tuple(c for c in held if c not in target_set)
    )
