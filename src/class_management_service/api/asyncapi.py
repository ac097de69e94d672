"""The AsyncAPI 3 document of the events, generated from the pydantic event models.

One table lists each topic with its payload model, Kafka key and direction; the envelope, headers
and payload schemas come from the same models the producers and the consumer use, so the document
cannot drift from the wire without a test noticing (tests/integration/test_asyncapi_wire.py).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from class_management_service.domain import association_events as wire
from class_management_service.domain import events

Schema = dict[str, Any]
_REF = "#/components/schemas/{model}"


@dataclass(frozen=True)
class Channel:
    """One topic: what its ``data`` is, what the key holds, and whether this service sends it."""

    name: str
    topic: str
    payload: type[BaseModel]
    key: str
    key_fields: tuple[str, ...]  # where in ``data`` (dots for nesting) the key's value also appears
    action: Literal["send", "receive"] = "send"


CHANNELS = (
    Channel("classCreated", events.CLASS_CREATED_TOPIC, events.ClassCreatedV1, "The class id", ("class_id",)),
    Channel("classUpdated", events.CLASS_UPDATED_TOPIC, events.ClassUpdatedV1, "The class id", ("class_id",)),
    Channel("classDeleted", events.CLASS_DELETED_TOPIC, events.ClassDeletedV1, "The class id", ("class_id",)),
    Channel(
        "studentCreated",
        events.STUDENT_CREATED_TOPIC,
        events.StudentCreatedV1,
        "The student id",
        ("student_id",),
    ),
    Channel(
        "studentUpdated",
        events.STUDENT_UPDATED_TOPIC,
        events.StudentUpdatedV1,
        "The student id",
        ("student_id",),
    ),
    Channel(
        "studentDeleted",
        events.STUDENT_DELETED_TOPIC,
        events.StudentDeletedV1,
        "The student id",
        ("student_id",),
    ),
    Channel(
        "associationsConfirmed",
        wire.ASSOCIATIONS_CONFIRMED_TOPIC,
        wire.StudentAssociationsConfirmedV1,
        "The batch id",
        ("batch_id",),
    ),
    Channel(
        "teacherNotification",
        wire.TEACHER_NOTIFICATION_TOPIC,
        wire.TeacherNotificationRequestedV1,
        "The id of what the notification is about: the batch, class or student; for a roster"
        " import's summary, the import request's correlation id",
        ("batch_id", "class_id", "payload.student_id", "correlation_id"),
    ),
    Channel(
        "authorMatchesSuggested",
        wire.SUGGESTIONS_TOPIC,
        wire.BatchAuthorMatchesSuggestedV1,
        "Any (the producer's choice); not read",
        (),
        action="receive",
    ),
)

# What the relay sets on every message it publishes (kafka_publisher._message), as UTF-8 strings.
_HEADERS: Schema = {
    "type": "object",
    "properties": {
        "event_id": {"type": "string", "format": "uuid"},
        "event_type": {"type": "string", "description": "The topic"},
        "correlation_id": {"type": "string", "format": "uuid"},
        "schema_version": {"type": "string", "pattern": "^[0-9]+$"},
        "source_service": {"const": events.SOURCE_SERVICE},
        "content_type": {"const": "application/json"},
    },
    "required": [
        "event_id",
        "event_type",
        "correlation_id",
        "schema_version",
        "source_service",
        "content_type",
    ],
}


def _model_schemas() -> Schema:
    # Published payloads as they are written (serialization), the consumed one as it is read.
    mode: dict[str, JsonSchemaMode] = {"send": "serialization", "receive": "validation"}
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(c.payload, mode[c.action]) for c in CHANNELS]
    models += [(events.EventEnvelope, "serialization"), (wire.ReceivedEnvelope, "validation")]
    _, top = models_json_schema(models, ref_template=_REF)
    return dict(top["$defs"])


def _envelope(channel: Channel) -> Schema:
    """The message value: the envelope, its ``event_type`` the topic, its ``data`` the payload."""
    envelope = "EventEnvelope" if channel.action == "send" else "ReceivedEnvelope"
    data = {"$ref": _REF.format(model=channel.payload.__name__)}
    event_type = {"const": channel.topic} if channel.action == "send" else {"type": "string"}
    return {
        "allOf": [
            {"$ref": _REF.format(model=envelope)},
            {"properties": {"event_type": event_type, "data": data}},
        ]
    }


def _message(channel: Channel) -> Schema:
    message: Schema = {
        "name": channel.payload.__name__,
        "title": channel.payload.__name__,
        "summary": (channel.payload.__doc__ or channel.payload.__name__).strip().splitlines()[0],
        "contentType": "application/json",
        "payload": _envelope(channel),
        "bindings": {
            "kafka": {"key": {"type": "string", "description": channel.key}, "bindingVersion": "0.5.0"}
        },
    }
    if channel.key_fields:
        message["x-key-fields"] = list(channel.key_fields)  # the key equals one of these ``data`` fields
    if channel.action == "send":
        message["headers"] = _HEADERS
    return message


@functools.cache
def asyncapi_document(version: str) -> Schema:
    """The whole document; built once per version (the models do not change at run time)."""
    messages = {c.payload.__name__: _message(c) for c in CHANNELS}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Class Management Service events",
            "version": version,
            "description": "Every value is a JSON event envelope; `data` holds the topic's payload.",
        },
        "defaultContentType": "application/json",
        "servers": {
            "kafka": {"host": "localhost:9092", "protocol": "kafka", "description": "Set per deployment"}
        },
        "channels": {
            c.name: {
                "address": c.topic,
                "messages": {c.payload.__name__: {"$ref": f"#/components/messages/{c.payload.__name__}"}},
            }
            for c in CHANNELS
        },
        "operations": {
            f"{c.action}{c.name[0].upper()}{c.name[1:]}": {
                "action": c.action,
                "channel": {"$ref": f"#/channels/{c.name}"},
                "messages": [{"$ref": f"#/channels/{c.name}/messages/{c.payload.__name__}"}],
            }
            for c in CHANNELS
        },
        "components": {"messages": messages, "schemas": _model_schemas()},
    }
