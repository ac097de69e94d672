"""What the ingestion bench writes: classes of 30 students, suggestion batches, and the ceiling's rows.

Every batch names one class and gives each essay three candidates from its roster, as NLP does;
the ceiling writes exactly the rows ``AsyncpgAssociationRepository.ingest`` writes for it (inbox,
batch, essays, candidates, one outbox row) from a document serialised before the clock starts.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson

from class_management_service.domain.association_events import SUGGESTIONS_TOPIC
from class_management_service.domain.association_suggestions import (
    StudentSuggestion,
    SuggestedBatch,
    SuggestedEssay,
)

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


# The rows one ingest writes, in one statement (one implicit transaction): the essays and their
# candidates in one JSON document, read as the repository's statements read theirs.
CEILING_INSERT = """
WITH inbox AS (
    INSERT INTO inbox_events (event_id, topic, consumed_at) VALUES ($1, $2, $3)
), batch AS (
    INSERT INTO association_batches (batch_id, class_id, course_code, correlation_id, received_at,
                                     deadline_at)
    VALUES ($4, $5, 'ENG5', $6, $3, $7)
), planned AS (
    SELECT d->>0 AS essay_id, (d->>1)::int AS position, d->>2 AS text_storage_id, d->>3 AS filename,
           (d->>4)::float8 AS confidence_score, d->5 AS suggestions
    FROM jsonb_array_elements($8::jsonb) AS d
), essays AS (
    INSERT INTO essay_student_associations (essay_id, batch_id, class_id, position, text_storage_id,
        filename, confidence_score, validation_status, created_at)
    SELECT p.essay_id, $4, $5, p.position, p.text_storage_id, p.filename, p.confidence_score,
           'pending_validation', $3
    FROM planned p
), candidates AS (
    INSERT INTO essay_match_suggestions (essay_id, rank, student_id, student_name, student_email,
                                         confidence_score, match_reasons)
    SELECT p.essay_id, s.rank - 1, (s.d->>0)::uuid, s.d->>1, NULL, (s.d->>2)::float8, (s.d->3)::json
    FROM planned p CROSS JOIN LATERAL jsonb_array_elements(p.suggestions) WITH ORDINALITY AS s(d, rank)
)
INSERT INTO event_outbox (event_id, topic, aggregate_type, aggregate_id, user_id, correlation_id,
                          payload, occurred_at)
VALUES ($9, 'huleedu.notification.teacher.requested.v1', 'batch', $4, $10, $6, $11, $3)"""


def ceiling_arguments(batch: SuggestedBatch, owner: str, payload: str) -> tuple[object, ...]:
    """``CEILING_INSERT``'s parameters for ``batch``, serialised before the clock starts."""
    document = [
        (
            e.essay_id,
            position,
            e.text_storage_id,
            e.filename,
            max(s.confidence_score for s in e.suggestions),
            [(s.student_id, s.student_name, s.confidence_score, s.match_reasons) for s in e.suggestions],
        )
        for position, e in enumerate(batch.essays)
    ]
    return (
        batch.event_id,
        SUGGESTIONS_TOPIC,
        batch.received_at,
        batch.batch_id,
        batch.class_id,
        batch.correlation_id,
        batch.deadline,
        orjson.dumps(document).decode(),
        uuid.uuid4(),
        owner,
        payload,
    )
