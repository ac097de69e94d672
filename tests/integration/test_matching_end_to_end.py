"""NLP's suggestions in over Kafka, the teacher's confirmation over HTTP, the confirmed event out on Kafka."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from class_management_service.app import create_app
from class_management_service.domain.events import ASSOCIATIONS_CONFIRMED_TOPIC
from tests.api.conftest import Api
from tests.conftest import unique_user
from tests.integration.conftest import KafkaTail, header, wait_until
from tests.integration.consumer_helpers import consumer_settings, publish, suggestions_producer
from tests.integration.pg_association_helpers import scalar
from tests.suggestion_messages import candidate, encoded, match_result, suggestions_envelope


@pytest.fixture
async def matching_api(
    clean_pg: AsyncEngine, postgres_url: str, services_env: dict[str, str]
) -> AsyncIterator[Api]:
    """The app as ``make run`` starts it with Kafka: relay, consumer and timeout monitor inside."""
    app = create_app(await consumer_settings(postgres_url, services_env))
    async with app.test_app() as test_app:
        yield Api(client=test_app.test_client(), engine=clean_pg, user=unique_user())


async def test_suggestions_from_kafka_confirmed_over_http_go_out_as_one_confirmed_event(
    matching_api: Api, kafka_tail: KafkaTail, kafka_bootstrap: str
) -> None:
    api = matching_api
    school_class = await api.create_class(course="ENG6")
    ada = await api.create_student(class_ids=[school_class["id"]])
    bob = await api.create_student(
        class_ids=[school_class["id"]], person_name={"first_name": "Bob", "last_name": "Ross"}
    )
    batch_id, correlation_id = f"batch-{uuid.uuid4().hex}", uuid.uuid4()
    essays = [f"{batch_id}-1", f"{batch_id}-2"]
    results = [
        match_result(essays[0], candidate(ada["id"], 0.9), candidate(bob["id"], 0.3, "Bob Ross")),
        match_result(essays[1], candidate(bob["id"], 0.8, "Bob Ross")),
    ]
    envelope = suggestions_envelope(
        batch_id, school_class["id"], results, correlation_id=correlation_id, course_code="ENG6"
    )
    async with suggestions_producer(kafka_bootstrap) as producer:
        await publish(producer, encoded(envelope), batch_id)
    path = f"/v1/batches/{batch_id}/student-associations"

    async def reviewable() -> bool:
        response = await api.client.get(path, headers=api.headers())
        return response.status_code == 200

    await wait_until(reviewable, within_s=30, what="the batch stored and reviewable")
    review = await api.get_json(path)
    assert [a["essay_id"] for a in review["associations"]] == essays
    assert [a["suggested_student_id"] for a in review["associations"]] == [ada["id"], bob["id"]]

    body = {
        "associations": [
            {"essay_id": essays[0], "student_id": bob["id"], "confirmed": True},  # not NLP's first choice
            {"essay_id": essays[1], "student_id": bob["id"], "confirmed": False},
        ],
        "confirmation_method": "manual_teacher_review",
    }
    response = await api.client.post(f"{path}/confirm", json=body, headers=api.headers())
    assert response.status_code == 200, await response.get_data(as_text=True)
    again = await api.client.post(f"{path}/confirm", json=body, headers=api.headers())
    assert again.status_code == 200

    query = "SELECT event_id::text FROM event_outbox WHERE topic = :t AND aggregate_id = :b"
    event_id = await scalar(api.engine, query, t=ASSOCIATIONS_CONFIRMED_TOPIC, b=batch_id)
    assert event_id is not None
    await kafka_tail.wait_for([event_id])
    await kafka_tail.poll()
    (record,) = kafka_tail.by_event_id()[event_id]
    confirmed = [
        r
        for r in kafka_tail.records
        if r.topic == ASSOCIATIONS_CONFIRMED_TOPIC and r.key == batch_id.encode()
    ]
    assert len(confirmed) == 1  # the repeated confirmation published nothing

    sent = orjson.loads(record.value)
    assert record.key == batch_id.encode()
    assert header(record, "event_type") == ASSOCIATIONS_CONFIRMED_TOPIC
    assert (sent["event_type"], sent["source_service"]) == (
        ASSOCIATIONS_CONFIRMED_TOPIC,
        "class_management_service",
    )
    assert sent["correlation_id"] == str(correlation_id)  # NLP's, propagated
    data = sent["data"]
    assert {key: data[key] for key in ("event_name", "entity_id", "entity_type", "parent_id")} == {
        "event_name": "student.associations.confirmed",
        "entity_id": batch_id,
        "entity_type": "batch",
        "parent_id": None,
    }
    assert (data["batch_id"], data["class_id"], data["course_code"]) == (batch_id, school_class["id"], "ENG6")
    assert data["timeout_triggered"] is False
    first, second = data["associations"]
    assert {
        k: first[k]
        for k in ("essay_id", "student_id", "confidence_score", "validation_method", "validated_by")
    } == {
        "essay_id": essays[0],
        "student_id": bob["id"],
        "confidence_score": 0.3,
        "validation_method": "human",
        "validated_by": api.user,
    }
    assert {
        k: second[k]
        for k in ("essay_id", "student_id", "confidence_score", "validation_method", "validated_by")
    } == {
        "essay_id": essays[1],
        "student_id": None,
        "confidence_score": 0.0,
        "validation_method": "human",
        "validated_by": api.user,
    }
    assert first["validated_at"] == second["validated_at"]
    datetime.fromisoformat(first["validated_at"])
    assert data["validation_summary"] == {
        "total_associations": 2,
        "confirmed": 1,
        "rejected": 1,
        "human": 2,
        "timeout": 0,
        "auto": 0,
    }
