"""The statements behind an asyncpg student listing, one per filter combination and paging kind."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Any

from class_management_service.domain.models import PageRequest, StudentFilter
from class_management_service.implementations.postgres.rows import CLASS_IDS_OF_STUDENT, STUDENT_COLUMNS
from class_management_service.implementations.sql_common import utc

# Parameters by name; each statement numbers only the ones it uses, from $1.
_OWNER, _CLASS, _PATTERN, _LIMIT, _OFFSET, _AFTER_AT, _AFTER_ID = (
    "owner",
    "class_id",
    "pattern",
    "limit",
    "offset",
    "after_at",
    "after_id",
)
_SEARCHED = ("s.first_name", "s.last_name", "s.legal_full_name", "s.email")


@dataclass(frozen=True, slots=True)
class Listing:
    """One listing statement and the names of its parameters, ``$1`` first."""

    sql: str
    parameters: tuple[str, ...]

    def arguments(self, values: dict[str, Any]) -> list[Any]:
        return [values[name] for name in self.parameters]


def _numbered(template: str, names: tuple[str, ...]) -> Listing:
    used = tuple(name for name in names if f"{{{name}}}" in template)
    return Listing(template.format(**{name: f"${n}" for n, name in enumerate(used, 1)}), used)


def _conditions(has_class: bool, has_query: bool) -> str:
    """The teacher's students, in the class (if it is the teacher's), matching the search term."""
    conditions = ["s.created_by_user_id = {owner}"]
    if has_class:
        conditions.append(
            "EXISTS (SELECT FROM classes c WHERE c.id = {class_id} AND c.created_by_user_id = {owner})"
        )
        conditions.append(
            "s.id IN (SELECT m.student_id FROM class_student_association m WHERE m.class_id = {class_id})"
        )
    if has_query:
        conditions.append("(" + " OR ".join(f"lower({c}) LIKE lower({{pattern}})" for c in _SEARCHED) + ")")
    return " AND ".join(conditions)


def _page(has_class: bool, has_query: bool, is_keyset: bool) -> Listing:
    where = _conditions(has_class, has_query)
    after = " AND (s.created_at, s.id) < ({after_at}, {after_id})" if is_keyset else ""
    offset = "" if is_keyset else " OFFSET {offset}"
    # The total is an uncorrelated subquery: computed once per statement, whatever the page.
    template = f"""
        SELECT {STUDENT_COLUMNS}, {CLASS_IDS_OF_STUDENT},
               (SELECT count(*) FROM students s WHERE {where}) AS total
        FROM students s WHERE {where}{after}
        ORDER BY s.created_at DESC, s.id DESC LIMIT {{limit}}{offset}"""
    return _numbered(template, (_OWNER, _CLASS, _PATTERN, _AFTER_AT, _AFTER_ID, _LIMIT, _OFFSET))


def _total(has_class: bool, has_query: bool) -> Listing:
    is_class_owned = (
        "EXISTS (SELECT FROM classes c WHERE c.id = {class_id} AND c.created_by_user_id = {owner})"
        if has_class
        else "true"
    )
    template = f"""
        SELECT (SELECT count(*) FROM students s WHERE {_conditions(has_class, has_query)}) AS total,
               {is_class_owned} AS is_class_owned"""
    return _numbered(template, (_OWNER, _CLASS, _PATTERN))


# Newest first with an id tiebreak, each row carrying the class ids and the total of the filter.
PAGES = {flags: _page(*flags) for flags in product((False, True), repeat=3)}
# The total, and whether the filtered class is the teacher's: for a page without rows.
TOTALS = {flags: _total(*flags) for flags in product((False, True), repeat=2)}


def listing_values(owner: str, page: PageRequest, where: StudentFilter) -> dict[str, Any]:
    """Every parameter a listing statement may use; the keyset cursor wins over the offset."""
    after_at, after_id = page.after or (None, None)
    return {
        _OWNER: owner,
        _CLASS: where.class_id,
        _PATTERN: like_pattern(where.query or ""),
        _LIMIT: page.limit,
        _OFFSET: page.offset,
        _AFTER_AT: None if after_at is None else utc(after_at),
        _AFTER_ID: after_id,
    }


def like_pattern(term: str) -> str:
    """A LIKE pattern finding ``term`` anywhere, its wildcards and escape character taken literally."""
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def page_key(where: StudentFilter, page: PageRequest) -> tuple[bool, bool, bool]:
    return where.class_id is not None, bool(where.query), page.after is not None
