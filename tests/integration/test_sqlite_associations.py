"""The SQLite association repository: ingest exactly once, decisions, one completion per batch, timeout."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from class_management_service.domain.association_decisions import (
    Decision,
    DecisionOutcome,
    DecisionRequest,
    IngestOutcome,
    TimeoutPolicy,
)
from class_management_service.domain.associations import CONFIRMED, PENDING, REJECTED
from class_management_service.domain.errors import AssociationConflictError, BatchNotFoundError
from class_management_service.domain.events import OutboxEvent
from tests.integration.repository_helpers import no_events
from tests.integration.sqlite_association_helpers import (
    DEADLINE,
    RECEIVED,
    Setting,
    candidate,
    completed_marker,
    marker,
    markers_of,
    open_setting,
    suggested,
)

POLICY = TimeoutPolicy(min_confidence=0.7)


@pytest.fixture
async def setting(sqlite_url: str) -> AsyncIterator[Setting]:
    async with open_setting(sqlite_url) as opened:
        yield opened


def ingest_marker(outcome: IngestOutcome) -> list[OutboxEvent]:
    return [marker(outcome.batch_id, "owner")]


def decision_marker(outcome: DecisionOutcome) -> list[OutboxEvent]:
    return completed_marker(outcome.completed) if outcome.completed else []


def request(
    setting: Setting, batch_id: str, *decisions: Decision, owner: str | None = None
) -> DecisionRequest:
    return DecisionRequest(owner or setting.owner, batch_id, decisions, RECEIVED + timedelta(hours=1))


async def test_ingest_keeps_every_class_candidate_best_first_and_a_replay_changes_nothing(
    setting: Setting,
) -> None:
    alva, bo, _ = setting.pupil_ids
    stranger = uuid.uuid4()
    event = suggested(setting, [("e1", [candidate(bo, 0.4), candidate(stranger, 0.9), candidate(alva, 0.8)])])
    outcome = await setting.associations.ingest(event, ingest_marker)
    assert (outcome.is_replay, outcome.stored_essays, outcome.dropped_suggestions) == (False, 1, 1)
    assert outcome.review is not None
    essay = outcome.review.essays[0]
    assert [s.student_id for s in essay.suggestions] == [alva, bo]
    assert (essay.status, essay.confidence_score, essay.filename) == (PENDING, 0.8, "e1.docx")
    assert outcome.review.batch.deadline == DEADLINE
    replay = await setting.associations.ingest(event, ingest_marker)
    assert replay.is_replay
    assert replay.review is None
    assert await markers_of(setting.engine, event.batch_id) == 1
    assert await setting.associations.review(setting.owner, event.batch_id) == outcome.review


async def test_unknown_class_stores_only_the_event_id(setting: Setting) -> None:
    event = suggested(setting, [("e1", [candidate(setting.pupil_ids[0], 0.9)])], class_id=uuid.uuid4())
    outcome = await setting.associations.ingest(event, ingest_marker)
    assert (outcome.is_class_found, outcome.dropped_suggestions, outcome.review) == (False, 1, None)
    assert (await setting.associations.ingest(event, ingest_marker)).is_replay
    assert await setting.associations.batches([event.batch_id]) == {}


async def test_a_rerun_replaces_pending_candidates_and_keeps_decided_essays(setting: Setting) -> None:
    alva, bo, cleo = setting.pupil_ids
    first = suggested(setting, [("e1", [candidate(alva, 0.9)]), ("e2", [candidate(bo, 0.9)])])
    await setting.associations.ingest(first, no_events)
    await setting.associations.decide(request(setting, first.batch_id, Decision("e1", alva, True)), no_events)
    rerun = suggested(
        setting, [("e1", [candidate(cleo, 0.5)]), ("e2", [candidate(cleo, 0.6)])], first.batch_id
    )
    outcome = await setting.associations.ingest(rerun, no_events)
    assert (outcome.stored_essays, outcome.kept_essays) == (1, 1)
    assert outcome.review is not None
    e1, e2 = outcome.review.essays
    assert (e1.status, e1.student_id, [s.student_id for s in e1.suggestions]) == (CONFIRMED, alva, [alva])
    assert (e2.status, [s.student_id for s in e2.suggestions]) == (PENDING, [cleo])
    assert outcome.review.batch.correlation_id == first.correlation_id


async def test_the_last_decision_completes_the_batch_exactly_once(setting: Setting) -> None:
    alva, bo, _ = setting.pupil_ids
    event = suggested(setting, [("e1", [candidate(alva, 0.9)]), ("e2", [candidate(bo, 0.3)])])
    await setting.associations.ingest(event, no_events)
    partial = await setting.associations.decide(
        request(setting, event.batch_id, Decision("e1", alva, True)), decision_marker
    )
    assert (partial.changed_essay_ids, partial.completed) == (("e1",), None)
    assert partial.review.essays[0].student_names is not None
    last = request(setting, event.batch_id, Decision("e2", None, False))
    outcome = await setting.associations.decide(last, decision_marker)
    assert outcome.completed is not None
    assert not outcome.completed.timeout_triggered
    assert outcome.review.batch.completed_at == last.at
    again = await setting.associations.decide(last, decision_marker)
    assert (again.changed_essay_ids, again.completed) == ((), None)
    assert (
        await setting.associations.decide_expired(DEADLINE + timedelta(days=9), POLICY, completed_marker)
        == []
    )
    assert await markers_of(setting.engine, event.batch_id) == 1
    stored = await setting.associations.essay("e2")
    assert (stored.status, stored.validation_method, stored.validated_by) == (
        REJECTED,
        "human",
        setting.owner,
    )


async def test_a_contradicting_decision_or_another_teacher_changes_nothing(setting: Setting) -> None:
    alva, bo, _ = setting.pupil_ids
    event = suggested(setting, [("e1", [candidate(alva, 0.9)]), ("e2", [])])
    await setting.associations.ingest(event, no_events)
    await setting.associations.decide(request(setting, event.batch_id, Decision("e1", alva, True)), no_events)
    both = (Decision("e2", None, False), Decision("e1", bo, True))
    with pytest.raises(AssociationConflictError):
        await setting.associations.decide(request(setting, event.batch_id, *both), no_events)
    with pytest.raises(BatchNotFoundError):
        await setting.associations.decide(
            request(setting, event.batch_id, Decision("e2", None, False), owner="someone-else"), no_events
        )
    assert (await setting.associations.essay("e2")).status == PENDING


async def test_concurrent_decisions_complete_the_batch_once(setting: Setting) -> None:
    alva, bo, _ = setting.pupil_ids
    event = suggested(setting, [("e1", [candidate(alva, 0.9)]), ("e2", [candidate(bo, 0.9)])])
    await setting.associations.ingest(event, no_events)
    decide = setting.associations.decide
    outcomes = await asyncio.gather(
        *(
            decide(
                request(setting, event.batch_id, Decision("e1", alva, True), Decision("e2", bo, True)),
                decision_marker,
            )
            for _ in range(4)
        ),
        decide(request(setting, event.batch_id, Decision("e2", bo, True)), decision_marker),
        decide(request(setting, event.batch_id, Decision("e1", alva, True)), decision_marker),
    )
    assert sum(outcome.completed is not None for outcome in outcomes) == 1
    assert await markers_of(setting.engine, event.batch_id) == 1
