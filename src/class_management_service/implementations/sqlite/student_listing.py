"""The statements behind a student listing: owner, optional class and search term, paging."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Select, String, bindparam, func, or_, select

from class_management_service.implementations.sqlite.rows import STUDENT_COLUMNS, NewestFirst
from class_management_service.models_db import class_students, students

_SEARCHED = (students.c.first_name, students.c.last_name, students.c.legal_full_name, students.c.email)
_ESCAPE = "/"


@cache
def student_listing(has_class: bool, has_query: bool) -> tuple[NewestFirst, Select[Any]]:
    """The page and total statements of one filter combination, built once on first use.

    Parameters: ``owner``, then ``class_id`` and ``term`` (see ``like_literal``) as the filter needs.
    """
    conditions = [students.c.created_by_user_id == bindparam("owner")]
    if has_class:
        members = select(class_students.c.student_id).where(
            class_students.c.class_id == bindparam("class_id")
        )
        conditions.append(students.c.id.in_(members))
    if has_query:
        term = bindparam("term", type_=String())
        conditions.append(or_(*(func.lower(c).contains(term, escape=_ESCAPE) for c in _SEARCHED)))
    total = select(func.count()).select_from(students).where(*conditions)
    return NewestFirst.of(select(*STUDENT_COLUMNS).where(*conditions), students), total


def like_literal(term: str) -> str:
    """The search term lower-cased, with LIKE wildcards escaped so they match themselves."""
    escape = _ESCAPE
    return term.lower().replace(escape, escape * 2).replace("%", f"{escape}%").replace("_", f"{escape}_")
