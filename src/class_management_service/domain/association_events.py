"""The platform's wire contracts for essay→student matching (``phase1-contracts.md``), byte for byte.

Consumed models ignore fields they do not name (the producer may add some); published models are
exactly the platform's field names.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from class_management_service.domain.events import (
    ASSOCIATIONS_CONFIRMED_TOPIC as ASSOCIATIONS_CONFIRMED_TOPIC,  # noqa: PLC0414
)
from class_management_service.domain.events import (
    TEACHER_NOTIFICATION_TOPIC as TEACHER_NOTIFICATION_TOPIC,  # noqa: PLC0414
)
from class_management_service.domain.events import EventData

SUGGESTIONS_TOPIC = "huleedu.batch.author.matches.suggested.v1"
DEFAULT_CONSUMER_GROUP = "class_management_service-consumer-group"

NotificationCategory = Literal[
    "batch_progress",
    "processing_results",
    "file_operations",
    "class_management",
    "student_workflow",
    "system_alerts",
]
NotificationPriority = Literal["critical", "immediate", "high", "standard", "low"]


class _Consumed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ReceivedEnvelope(_Consumed):
    """Phase one of reading a message: the envelope, with ``data`` still raw."""

    event_id: UUID
    event_type: str
    event_timestamp: datetime
    source_service: str
    schema_version: int = 1
    correlation_id: UUID
    data_schema_uri: str | None = None
    data: dict[str, Any]
    metadata: dict[str, Any] | None = None


class SuggestedStudentV1(_Consumed):
    student_id: str
    student_name: str = ""
    student_email: str | None = None
    confidence_score: float = Field(ge=0.0, le=1.0)
    match_reasons: list[str] = Field(default_factory=list)
    extraction_metadata: dict[str, Any] = Field(default_factory=dict)


class EssayMatchResultV1(_Consumed):
    essay_id: str = Field(min_length=1, max_length=255)
    text_storage_id: str | None = Field(default=None, max_length=255)
    filename: str | None = Field(default=None, max_length=1024)
    suggestions: list[SuggestedStudentV1] = Field(default_factory=list)
    no_match_reason: str | None = None
    extraction_metadata: dict[str, Any] = Field(default_factory=dict)


class BatchAuthorMatchesSuggestedV1(_Consumed):
    """Phase two: NLP's suggestions for one batch (``data`` of the consumed envelope)."""

    event_name: str = "batch.author.matches.suggested"
    batch_id: str = Field(min_length=1, max_length=255)
    class_id: str
    course_code: str
    match_results: list[EssayMatchResultV1]
    processing_summary: dict[str, Any] = Field(default_factory=dict)
    processing_metadata: dict[str, Any] = Field(default_factory=dict)


class StudentAssociationConfirmationV1(EventData):
    essay_id: str
    student_id: str | None
    confidence_score: float  # 0.0 when no NLP score backs the decision (the reference's choice)
    validation_method: Literal["human", "timeout", "auto"]
    validated_by: str | None
    validated_at: datetime


class StudentAssociationsConfirmedV1(EventData):
    """Published once per batch, when its last pending essay is decided (key: ``batch_id``)."""

    event_name: Literal["student.associations.confirmed"] = "student.associations.confirmed"
    entity_id: str
    entity_type: Literal["batch"] = "batch"
    parent_id: str | None = None
    timestamp: datetime
    batch_id: str
    class_id: str
    course_code: str
    associations: list[StudentAssociationConfirmationV1]
    timeout_triggered: bool
    validation_summary: dict[str, int]


class TeacherNotificationRequestedV1(EventData):
    """Asks the platform's WebSocket service to tell one teacher something."""

    teacher_id: str
    notification_type: str
    category: NotificationCategory
    priority: NotificationPriority
    payload: dict[str, Any]
    action_required: bool = False
    deadline_timestamp: datetime | None = None
    correlation_id: str
    batch_id: str | None = None
    class_id: str | None = None
    timestamp: datetime
