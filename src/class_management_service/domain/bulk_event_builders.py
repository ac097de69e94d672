"""``StudentCreatedV1``/``StudentUpdatedV1`` outbox events for thousands of students at a time.

The same envelopes, byte for byte, as ``event_builders.student_created``/``student_updated``
(``tests/unit/test_bulk_event_builders.py`` compares both on generated students), at a fraction
of the cost: those validate two pydantic models per event and dump them twice, which is most of
a roster import's Python time. Here each envelope is one ``pydantic_core.to_json`` of a plain
dict (pydantic's own serializer, so strings are escaped exactly as before) whose keys follow the
models' field order; what a whole import shares (the timestamp's text, the class id lists, the
correlation id) is rendered once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from pydantic_core import to_json

from class_management_service.domain import events as ev
from class_management_service.domain.models import Actor, Student, StudentUpdate


def students_created(students: Iterable[Student], actor: Actor) -> list[ev.OutboxEvent]:
    """``event_builders.student_created(student, actor)`` for each student, in order."""
    correlation_id, shared = str(actor.correlation_id), _Rendered()
    events = []
    for student in students:
        at = student.created_at
        timestamp = shared.timestamp(at)
        data = {
            "event": "student.created",
            "student_id": str(student.id),
            "first_name": student.first_name,
            "last_name": student.last_name,
            "student_email": student.email,
            "external_id": student.external_id,
            "class_ids": shared.ids(student.class_ids),
            "created_by_user_id": student.created_by_user_id,
            "correlation_id": correlation_id,
            "timestamp": timestamp,
        }
        events.append(_event(ev.STUDENT_CREATED_TOPIC, data, student, actor, at, timestamp))
    return events


def students_updated(updates: Iterable[StudentUpdate], actor: Actor) -> list[ev.OutboxEvent]:
    """``event_builders.student_updated(update, actor)`` for each update, in order."""
    correlation_id, shared = str(actor.correlation_id), _Rendered()
    events = []
    for update in updates:
        student = update.student
        at = student.updated_at
        timestamp = shared.timestamp(at)
        data = {
            "event": "student.updated",
            "student_id": str(student.id),
            "first_name": student.first_name,
            "last_name": student.last_name,
            "student_email": student.email,
            "external_id": student.external_id,
            "add_class_ids": shared.ids(update.added_class_ids),
            "remove_class_ids": shared.ids(update.removed_class_ids),
            "updated_by_user_id": actor.user_id,
            "correlation_id": correlation_id,
            "timestamp": timestamp,
        }
        events.append(_event(ev.STUDENT_UPDATED_TOPIC, data, student, actor, at, timestamp))
    return events


def _event(
    topic: str, data: dict[str, Any], student: Student, actor: Actor, at: datetime, timestamp: str
) -> ev.OutboxEvent:
    """``event_builders._outbox_event`` for a student's event, with ``data`` already as JSON values."""
    event_id = uuid4()
    envelope = {
        "event_id": str(event_id),
        "event_type": topic,
        "event_timestamp": timestamp,
        "source_service": ev.SOURCE_SERVICE,
        "schema_version": ev.SCHEMA_VERSION,
        "correlation_id": data["correlation_id"],
        "data_schema_uri": None,
        "data": data,
        "metadata": {"aggregate_type": "student", "aggregate_id": data["student_id"]},
    }
    return ev.OutboxEvent(
        event_id=event_id,
        topic=topic,
        aggregate_type="student",
        aggregate_id=student.id,
        user_id=student.created_by_user_id,
        correlation_id=actor.correlation_id,
        occurred_at=at,
        envelope_json=to_json(envelope).decode(),
    )


class _Rendered:
    """JSON values many events of one import share, rendered once: its moment, its class lists.

    The dicts hold the same list object for equal class ids; each is serialised at once, never changed.
    """

    def __init__(self) -> None:
        # Keyed with the offset too: 12:00Z equals 13:00+01:00, but pydantic writes them apart.
        self._timestamps: dict[tuple[datetime, timedelta | None], str] = {}
        self._ids: dict[tuple[UUID, ...], list[str]] = {}

    def timestamp(self, at: datetime) -> str:
        """``at`` as pydantic writes a datetime in JSON, without the quotes."""
        key = (at, at.utcoffset())
        text = self._timestamps.get(key)
        if text is None:
            text = self._timestamps[key] = to_json(at).decode()[1:-1]
        return text

    def ids(self, ids: tuple[UUID, ...]) -> list[str]:
        texts = self._ids.get(ids)
        if texts is None:
            texts = self._ids[ids] = [str(i) for i in ids]
        return texts
