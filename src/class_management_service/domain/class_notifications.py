"""Teacher notifications of the CRUD moments: a class created, a student added to a class.

Only ever to the owner of the class: no teacher hears about another teacher's class.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from class_management_service.domain.association_outbox import Aggregate, NotificationKind, notification
from class_management_service.domain.events import OutboxEvent
from class_management_service.domain.models import Actor, SchoolClass, Student

CLASS_CREATED = "class_created"
STUDENT_ADDED = "student_added_to_class"
CLASS_CREATED_KIND: NotificationKind = (CLASS_CREATED, "class_management", "standard")
STUDENT_ADDED_KIND: NotificationKind = (STUDENT_ADDED, "class_management", "low")


def _class_notification(
    kind: NotificationKind,
    school_class: SchoolClass,
    aggregate: Aggregate,
    payload: dict[str, Any],
    actor: Actor,
    at: datetime,
) -> OutboxEvent:
    class_id = str(school_class.id)
    owner = school_class.created_by_user_id
    ids = {"class_id": class_id, "class_designation": school_class.name}
    return notification(
        kind, aggregate, owner, actor.correlation_id, at, {**ids, **payload}, class_id=class_id
    )


def class_created_notification(school_class: SchoolClass, actor: Actor) -> OutboxEvent:
    """``class_created`` (class_management, standard) to the class's owner, at its creation time."""
    payload = {
        "course_codes": [school_class.course.code],
        "message": f"Class {school_class.name} was created",
    }
    aggregate: Aggregate = ("class", school_class.id)
    return _class_notification(
        CLASS_CREATED_KIND, school_class, aggregate, payload, actor, school_class.created_at
    )


def student_added_notification(
    student: Student, classes: Sequence[SchoolClass], actor: Actor
) -> list[OutboxEvent]:
    """``student_added_to_class`` (class_management, low): one per class the student joined.

    Only to the class's owner, and only for classes the student's owner owns: no teacher hears
    about another teacher's class. The time is the student's ``updated_at`` (on create, its
    creation time).
    """
    aggregate: Aggregate = ("student", student.id)
    name = student.full_name
    return [
        _class_notification(
            STUDENT_ADDED_KIND,
            school_class,
            aggregate,
            {
                "student_id": str(student.id),
                "student_name": name,
                "message": f"{name} was added to {school_class.name}",
            },
            actor,
            student.updated_at,
        )
        for school_class in classes
        if school_class.created_by_user_id == student.created_by_user_id
    ]
