"""Names in the order people read them: ICU's root collation, the one ordering every backend uses.

PostgreSQL sorts with ``COLLATE "und-x-icu"`` (ICU's root locale, built into Debian's PostgreSQL);
the memory backend sorts with ``name_order`` and SQLite with the ``collation_key`` SQL function,
both from PyICU's root collator. Debian's PostgreSQL and PyICU (built from source) link the same
libicu, so the three orders agree by construction, and a contract test holds them to one list
(a pure-Python UCA such as pyuca carries DUCET, not the CLDR root order ICU and PostgreSQL use).
ICU's default strength is tertiary: case and accents never separate names (``berg`` sits next to
``Berg``, ``Åberg`` among the As), and only decide between names otherwise equal.
"""

from __future__ import annotations

from functools import cache
from uuid import UUID

import icu

NameOrder = tuple[bytes, str, bytes, str, UUID]


@cache
def _root_collator() -> icu.Collator:
    # Built on first use, not at import. Shared by the event loop and SQLite's driver thread:
    # computing sort keys is a const use, which ICU's collators allow across threads.
    return icu.Collator.createInstance(icu.Locale.getRoot())


def collation_key(text: str) -> bytes:
    """ICU's sort key: byte order of keys is collation order (SQLite compares BLOBs with memcmp)."""
    key: bytes = _root_collator().getSortKey(text)
    return key


def name_order(last_name: str, first_name: str, student_id: UUID) -> NameOrder:
    """Last name, first name, then id; each name's raw text follows its key because PostgreSQL
    breaks a tie between collation-equal but different strings (NFC and NFD, say) by byte order,
    and code-point order is UTF-8 byte order."""
    return (collation_key(last_name), last_name, collation_key(first_name), first_name, student_id)
