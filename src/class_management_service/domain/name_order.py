"""Names in the order people read them: the Unicode Collation Algorithm, one key for every backend.

Every backend sorts a roster with this key in Python (a roster is one class, read whole), so the
order is identical by construction whatever the database's own collations are. pyuca is a
pure-Python UCA with the standard DUCET table: no system library to build against, so ``make run``
still needs nothing but Python. Comparing the keys compares primary weights (letters, with ``Å``
among the As and ``ß`` as ``ss``) before secondary (accents) and tertiary (case) ones: case and
accents never separate names, they only decide between names otherwise equal.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from uuid import UUID

from pyuca import Collator

from class_management_service.domain.models import RosterEntry

NameOrder = tuple[tuple[int, ...], str, tuple[int, ...], str, UUID]


@cache
def _collator() -> Collator:
    return Collator()  # parses the DUCET table once, on first use rather than at import


def collation_key(text: str) -> tuple[int, ...]:
    key: tuple[int, ...] = _collator().sort_key(text)
    return key


def name_order(last_name: str, first_name: str, student_id: UUID) -> NameOrder:
    """Last name, first name, then id; each name's text follows its key, so names the collation
    finds equal (composed and decomposed "Élan", say) still get one fixed order."""
    return (collation_key(last_name), last_name, collation_key(first_name), first_name, student_id)


def in_name_order(entries: Iterable[RosterEntry]) -> list[RosterEntry]:
    """A roster as every backend returns it."""
    return sorted(entries, key=lambda e: name_order(e.last_name, e.first_name, e.student_id))
