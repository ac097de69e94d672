"""Event contracts (topics, payloads, envelope) and the outbox record that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

SOURCE_SERVICE = "class_management_service"
SCHEMA_VERSION = 1

CLASS_CREATED_TOPIC = "huleedu.class.created.v1"
CLASS_UPDATED_TOPIC = "huleedu.class.updated.v1"
CLASS_DELETED_TOPIC = "huleedu.class.deleted.v1"
STUDENT_CREATED_TOPIC = "huleedu.class.student.created.v1"
STUDENT_UPDATED_TOPIC = "huleedu.class.student.updated.v1"
STUDENT_DELETED_TOPIC = "huleedu.class.student.deleted.v1"
# Essay→student matching (payloads in ``association_events``).
ASSOCIATIONS_CONFIRMED_TOPIC = "huleedu.class.student.associations.confirmed.v1"
TEACHER_NOTIFICATION_TOPIC = "huleedu.notification.teacher.requested.v1"

# The six topics of class and student changes: one event per entity write.
ENTITY_TOPICS = (
    CLASS_CREATED_TOPIC,
    CLASS_UPDATED_TOPIC,
    CLASS_DELETED_TOPIC,
    STUDENT_CREATED_TOPIC,
    STUDENT_UPDATED_TOPIC,
    STUDENT_DELETED_TOPIC,
)
ALL_TOPICS = (*ENTITY_TOPICS, ASSOCIATIONS_CONFIRMED_TOPIC, TEACHER_NOTIFICATION_TOPIC)

# The websocket service's message names for the teacher's browser, one per topic. Topics not
# listed get no direct Redis message: the platform's WebSocket service forwards the teacher
# notifications itself, and sending them here too would show each one twice.
NOTIFICATION_BY_TOPIC = {
    CLASS_CREATED_TOPIC: "class_created",
    CLASS_UPDATED_TOPIC: "class_updated",
    CLASS_DELETED_TOPIC: "class_deleted",
    STUDENT_CREATED_TOPIC: "student_created",
    STUDENT_UPDATED_TOPIC: "student_updated",
    STUDENT_DELETED_TOPIC: "student_deleted",
}


class EventData(BaseModel):
    """Base of every event payload: immutable once built."""

    model_config = ConfigDict(frozen=True)


class ClassSnapshotV1(EventData):
    """The fields ClassCreatedV1 and ClassUpdatedV1 share: the class as it is after the change."""

    class_id: str
    class_designation: str
    course_codes: list[str]
    user_id: str
    correlation_id: str
    timestamp: datetime


class ClassCreatedV1(ClassSnapshotV1):
    """A teacher created a class."""

    event: Literal["class.created"] = "class.created"


class ClassUpdatedV1(ClassSnapshotV1):
    """A class changed; a full snapshot of its current name and course."""

    event: Literal["class.updated"] = "class.updated"


class ClassDeletedV1(EventData):
    """Tombstone: a class is gone, with the memberships removed with it."""

    event: Literal["class.deleted"] = "class.deleted"
    class_id: str
    user_id: str
    removed_student_ids: list[str]
    correlation_id: str
    timestamp: datetime


class StudentCreatedV1(EventData):
    """A teacher created a student, enrolled in ``class_ids``."""

    event: Literal["student.created"] = "student.created"
    student_id: str
    first_name: str
    last_name: str
    student_email: str | None
    external_id: str | None = None
    class_ids: list[str]
    created_by_user_id: str
    correlation_id: str
    timestamp: datetime


class StudentUpdatedV1(EventData):
    """A student changed; memberships list what was actually added and removed."""

    event: Literal["student.updated"] = "student.updated"
    student_id: str
    first_name: str
    last_name: str
    student_email: str | None
    external_id: str | None = None
    add_class_ids: list[str]
    remove_class_ids: list[str]
    updated_by_user_id: str
    correlation_id: str
    timestamp: datetime


class StudentDeletedV1(EventData):
    """Tombstone: a student is gone, with the memberships removed with them."""

    event: Literal["student.deleted"] = "student.deleted"
    student_id: str
    created_by_user_id: str
    removed_class_ids: list[str]
    correlation_id: str
    timestamp: datetime


class EventEnvelope(BaseModel):
    """The Kafka message value: built once at write time and published byte for byte."""

    model_config = ConfigDict(frozen=True)

    event_id: UUID
    event_type: str
    event_timestamp: datetime
    source_service: str = SOURCE_SERVICE
    schema_version: int = SCHEMA_VERSION
    correlation_id: UUID
    data_schema_uri: str | None = None
    data: dict[str, Any]
    metadata: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """One event waiting in the outbox: its envelope plus what the relay needs to route it."""

    event_id: UUID
    topic: str
    aggregate_type: Literal["class", "student", "batch", "import"]
    aggregate_id: UUID | str  # a batch id is another service's opaque string
    user_id: str
    correlation_id: UUID
    occurred_at: datetime
    envelope_json: str

    @property
    def key(self) -> str:
        """Kafka key: the aggregate id keeps each entity's events in one partition, in order."""
        return str(self.aggregate_id)

    @property
    def notification(self) -> str | None:
        return NOTIFICATION_BY_TOPIC.get(self.topic)
