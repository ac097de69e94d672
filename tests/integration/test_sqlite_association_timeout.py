"""SQLite: the timeout decides expired batches once each, with the class's placeholder student."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from class_management_service.domain import association_event_builders as builders
from class_management_service.domain.association_decisions import Decision, DecisionRequest, TimeoutPolicy
from class_management_service.domain.associations import CONFIRMED
from class_management_service.domain.events import (
    ASSOCIATIONS_CONFIRMED_TOPIC,
    STUDENT_CREATED_TOPIC,
    TEACHER_NOTIFICATION_TOPIC,
)
from class_management_service.domain.timeout_rules import placeholder_email
from class_management_service.models_db import event_outbox
from tests.integration.repository_helpers import no_events
from tests.integration.sqlite_association_helpers import (
    DEADLINE,
    RECEIVED,
    Setting,
    candidate,
    completed_marker,
    markers_of,
    open_setting,
    suggested,
)

POLICY = TimeoutPolicy(min_confidence=0.7)


@pytest.fixture
async def setting(sqlite_url: str) -> AsyncIterator[Setting]:
    async with open_setting(sqlite_url) as opened:
        yield opened


def request(setting: Setting, batch_id: str, *decisions: Decision) -> DecisionRequest:
    return DecisionRequest(setting.owner, batch_id, decisions, RECEIVED + timedelta(hours=1))


async def test_timeout_confirms_confident_essays_and_gives_the_rest_to_one_placeholder(
    setting: Setting,
) -> None:
    alva, bo, _ = setting.pupil_ids
    first = suggested(setting, [("e1", [candidate(alva, 0.7)]), ("e2", [candidate(bo, 0.69)]), ("e3", [])])
    second = suggested(setting, [("e4", [])], deadline=DEADLINE + timedelta(seconds=1))
    later = suggested(setting, [("e5", [])], deadline=DEADLINE + timedelta(days=3))
    for event in (second, first, later):
        await setting.associations.ingest(event, no_events)
    await setting.associations.decide(request(setting, first.batch_id, Decision("e2", bo, True)), no_events)
    now = DEADLINE + timedelta(hours=1)
    done = await setting.associations.decide_expired(now, POLICY, completed_marker)
    assert [c.review.batch.batch_id for c in done] == [first.batch_id, second.batch_id]
    assert all(c.timeout_triggered and c.review.batch.completed_at == now for c in done)
    placeholder = done[0].placeholder
    assert placeholder is not None
    assert done[1].placeholder is None
    assert placeholder.email == placeholder_email(setting.school_class.id)
    e1, e2, e3 = done[0].review.essays
    assert (e1.student_id, e1.validation_method, e1.confidence_score) == (alva, "timeout", 0.7)
    assert (e2.student_id, e2.validation_method) == (bo, "human")
    assert (e3.student_id, e3.validation_method, e3.status) == (placeholder.id, "timeout", CONFIRMED)
    assert done[1].review.essays[0].student_id == placeholder.id
    roster = await setting.classes.roster(setting.school_class.id, setting.owner)
    assert placeholder.id in {entry.student_id for entry in roster}
    assert await setting.associations.decide_expired(now, POLICY, completed_marker) == []
    assert (await setting.associations.batches([later.batch_id]))[later.batch_id].completed_at is None
    assert await markers_of(setting.engine, first.batch_id) == 1


async def test_timeout_takes_at_most_the_batch_limit_oldest_first(setting: Setting) -> None:
    events = [
        suggested(setting, [(f"e{i}", [])], deadline=DEADLINE + timedelta(seconds=-i)) for i in range(3)
    ]
    for event in events:
        await setting.associations.ingest(event, no_events)
    policy = TimeoutPolicy(min_confidence=0.7, batch_limit=2)
    done = await setting.associations.decide_expired(DEADLINE, policy, completed_marker)
    assert [c.review.batch.batch_id for c in done] == [events[2].batch_id, events[1].batch_id]


async def test_the_timeout_writes_the_placeholder_then_the_confirmed_event_then_the_notification(
    setting: Setting,
) -> None:
    alva = setting.pupil_ids[0]
    event = suggested(setting, [("e1", [candidate(alva, 0.95)]), ("e2", [candidate(alva, 0.2)])])
    await setting.associations.ingest(event, builders.suggestions_ready)
    now = DEADLINE + timedelta(minutes=5)
    (done,) = await setting.associations.decide_expired(now, POLICY, builders.batch_completed)
    assert done.placeholder is not None
    columns = event_outbox.c
    query = select(columns.topic, columns.payload).order_by(columns.id)
    async with setting.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    assert [topic for topic, _ in rows] == [
        TEACHER_NOTIFICATION_TOPIC,
        STUDENT_CREATED_TOPIC,
        ASSOCIATIONS_CONFIRMED_TOPIC,
        TEACHER_NOTIFICATION_TOPIC,
    ]
    confirmed = json.loads(rows[2][1])
    assert confirmed["correlation_id"] == str(event.correlation_id)
    data = confirmed["data"]
    assert data["timeout_triggered"] is True
    assert [(a["essay_id"], a["student_id"], a["validation_method"]) for a in data["associations"]] == [
        ("e1", str(alva), "timeout"),
        ("e2", str(done.placeholder.id), "timeout"),
    ]
    assert data["validation_summary"]["timeout"] == 2
