"""Domain objects to response bodies; shapes match the response models in ``schemas``."""

from __future__ import annotations

from collections.abc import Sequence

import orjson
from quart import Response

from class_management_service.api.pagination import pagination_of
from class_management_service.domain.models import Page, RosterEntry, SchoolClass, Student

# Plain dicts serialised by orjson: the response models document the shape, building them
# per request would double the serialisation cost on the hot path. orjson writes aware
# datetimes as ISO-8601 with their offset itself, exactly as ``isoformat()`` would.
Body = dict[str, object]


def json_reply(body: Body | list[Body], status: int = 200) -> Response:
    """A finished response, serialised once with orjson: every route replies with one."""
    return Response(orjson.dumps(body), status=status, mimetype="application/json")


def class_body(school_class: SchoolClass) -> Body:
    course = school_class.course
    return {
        "id": str(school_class.id),
        "name": school_class.name,
        "course_code": course.code,
        "course": {"code": course.code, "name": course.name, "language": course.language},
        "student_count": school_class.student_count,
        "created_by_user_id": school_class.created_by_user_id,
        "created_at": school_class.created_at,
        "updated_at": school_class.updated_at,
    }


def student_body(student: Student) -> Body:
    return {
        "id": str(student.id),
        "first_name": student.first_name,
        "last_name": student.last_name,
        "legal_full_name": student.legal_full_name,
        "full_name": student.full_name,
        "email": student.email,
        "external_id": student.external_id,
        "class_ids": [str(class_id) for class_id in student.class_ids],
        "created_by_user_id": student.created_by_user_id,
        "created_at": student.created_at,
        "updated_at": student.updated_at,
    }


def class_list_body(page: Page[SchoolClass]) -> Body:
    return {
        "classes": [class_body(c) for c in page.items],
        "pagination": pagination_of(page.request, page.total, page.items),
    }


def student_list_body(page: Page[Student]) -> Body:
    return {
        "students": [student_body(s) for s in page.items],
        "pagination": pagination_of(page.request, page.total, page.items),
    }


def roster_body(entries: Sequence[RosterEntry]) -> Body:
    return {
        "students": [
            {
                "id": str(entry.student_id),
                "student_id": str(entry.student_id),
                "first_name": entry.first_name,
                "last_name": entry.last_name,
                "legal_full_name": entry.legal_full_name,
                "full_legal_name": entry.legal_full_name,
                "email": entry.email,
            }
            for entry in entries
        ]
    }
