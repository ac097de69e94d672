"""What the ingestion bench writes: classes of 30 students, suggestion batches, and the ceiling's rows.

Every batch names one class and gives each essay three candidates from its roster, as NLP does;
the ceiling writes exactly the rows ``AsyncpgAssociationRepository.ingest`` writes for it (inbox,
batch, essays, candidates, one outbox row) from arrays prepared before the clock starts.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson

from class_management_service.domain.association_events import SUGGESTIONS_TOPIC
from class_management_service.domain.associations import StudentSuggestion, SuggestedBatch, SuggestedEssay

CLASS_SIZE = 30
CANDIDATES = 3
DEADLINE = timedelta(days=1)


@dataclass(frozen=True)
class Roster:
    class_id: uuid.UUID
    students: tuple[uuid.UUID, ...]


async def seed_rosters(dsn: str, classes: int, owner: str) -> list[Roster]:
    """``classes`` classes of ``CLASS_SIZE`` students each, owned by ``owner`` (raw inserts)."""
    now = datetime.now(UTC)
    rosters = [Roster(uuid.uuid4(), tuple(uuid.uuid4() for _ in range(CLASS_SIZE))) for _ in range(classes)]
    students = [(s, r.class_id) for r in rosters for s in r.students]
    connection = await asyncpg.connect(dsn)
    try:
        async with connection.transaction():
            course_id = await connection.fetchval("SELECT id FROM courses WHERE course_code = 'ENG5'")
            await connection.executemany(
                "INSERT INTO classes (id, name, course_id, created_by_user_id, created_at, updated_at) "
                "VALUES ($1, $2, $3, $4, $5, $5)",
                [(r.class_id, f"bench {n}", course_id, owner, now) for n, r in enumerate(rosters)],
            )
            await connection.executemany(
                "INSERT INTO students (id, first_name, last_name, legal_full_name, email, "
                "created_by_user_id, created_at, updated_at) VALUES ($1, 'Ada', $2, $3, NULL, $4, $5, $5)",
                [(s, f"L{n}", f"Ada L{n}", owner, now) for n, (s, _) in enumerate(students)],
            )
            await connection.executemany(
                "INSERT INTO class_student_association (class_id, student_id, created_at) "
                "VALUES ($1, $2, $3)",
                [(class_id, s, now) for s, class_id in students],
            )
    finally:
        await connection.close()
    return rosters


def suggested_batch(roster: Roster, size: int, token: str, rng: random.Random) -> SuggestedBatch:
    """One ``BatchAuthorMatchesSuggestedV1`` as the consumer hands it over: ``size`` essays."""
    essays = []
    for number in range(size):
        picks = rng.sample(roster.students, CANDIDATES)
        suggestions = tuple(
            StudentSuggestion(student_id, f"Ada L{rank}", None, round(rng.random(), 3), ("name in header",))
            for rank, student_id in enumerate(picks)
        )
        essay_id = f"{token}-{number}"
        essays.append(SuggestedEssay(essay_id, f"ts-{essay_id}", f"{essay_id}.docx", suggestions, None))
    now = datetime.now(UTC)
    return SuggestedBatch(
        event_id=uuid.uuid4(),
        batch_id=f"batch-{token}",
        class_id=roster.class_id,
        course_code="ENG5",
        correlation_id=uuid.uuid4(),
        essays=tuple(essays),
        received_at=now,
        deadline=now + DEADLINE,
    )


# The rows one ingest writes, from arrays, in one statement (one implicit transaction).
CEILING_INSERT = """
WITH inbox AS (
    INSERT INTO inbox_events (event_id, topic, consumed_at) VALUES ($1, $2, $3)
), batch AS (
    INSERT INTO association_batches (batch_id, class_id, course_code, correlation_id, received_at,
                                     deadline_at)
    VALUES ($4, $5, 'ENG5', $6, $3, $7)
), essays AS (
    INSERT INTO essay_student_associations (essay_id, batch_id, class_id, position, text_storage_id,
        filename, confidence_score, validation_status, created_at)
    SELECT e.essay_id, $4, $5, e.position, e.text_storage_id, e.filename, e.confidence_score,
           'pending_validation', $3
    FROM unnest($8::text[], $9::int[], $10::text[], $11::text[], $12::float8[])
        AS e(essay_id, position, text_storage_id, filename, confidence_score)
), candidates AS (
    INSERT INTO essay_match_suggestions (essay_id, rank, student_id, student_name, student_email,
                                         confidence_score, match_reasons)
    SELECT s.essay_id, s.rank, s.student_id, s.student_name, NULL, s.confidence_score,
           s.match_reasons::json
    FROM unnest($13::text[], $14::int[], $15::uuid[], $16::text[], $17::float8[], $18::text[])
        AS s(essay_id, rank, student_id, student_name, confidence_score, match_reasons)
)
INSERT INTO event_outbox (event_id, topic, aggregate_type, aggregate_id, user_id, correlation_id,
                          payload, occurred_at)
VALUES ($19, 'huleedu.notification.teacher.requested.v1', 'batch', $4, $20, $6, $21, $3)"""


def ceiling_arguments(batch: SuggestedBatch, owner: str, payload: str) -> tuple[object, ...]:
    """``CEILING_INSERT``'s parameters for ``batch``: every column value built before timing."""
    essays = batch.essays
    ranked = [(e.essay_id, rank, s) for e in essays for rank, s in enumerate(e.suggestions)]
    return (
        batch.event_id,
        SUGGESTIONS_TOPIC,
        batch.received_at,
        batch.batch_id,
        batch.class_id,
        batch.correlation_id,
        batch.deadline,
        [e.essay_id for e in essays],
        list(range(len(essays))),
        [e.text_storage_id for e in essays],
        [e.filename for e in essays],
        [max(s.confidence_score for s in e.suggestions) for e in essays],
        [essay_id for essay_id, _, _ in ranked],
        [rank for _, rank, _ in ranked],
        [s.student_id for _, _, s in ranked],
        [s.student_name for _, _, s in ranked],
        [s.confidence_score for _, _, s in ranked],
        [orjson.dumps(s.match_reasons).decode() for _, _, s in ranked],
        uuid.uuid4(),
        owner,
        payload,
    )
