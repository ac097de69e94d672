"""SQL of ``AsyncpgAssociationRepository``'s ingest and reads: constant texts, prepared once each."""

from __future__ import annotations

from class_management_service.implementations.postgres.outbox_writer import outbox_insert

# A batch ``b`` of a class ``c``, as ``association_rows.to_batch`` reads it.
BATCH_COLUMNS = """
    b.batch_id, b.class_id, c.name AS class_name, b.course_code, c.created_by_user_id AS owner,
    b.correlation_id, b.received_at, b.deadline_at, b.completed_at, b.timeout_triggered"""

# An essay ``e`` with its candidates best first (one array per column) and the decided student's
# names, as ``association_rows.to_essay`` reads it (``batch_id``/``class_id`` come from elsewhere).
ESSAY_COLUMNS = """
    e.essay_id, e.position, e.text_storage_id, e.filename, e.no_match_reason, e.validation_status,
    e.student_id, e.confidence_score, e.validation_method, e.validated_by, e.validated_at, e.created_at,
    st.first_name, st.last_name, st.legal_full_name,
    sg.ids AS s_ids, sg.names AS s_names, sg.emails AS s_emails, sg.scores AS s_scores,
    sg.reasons AS s_reasons"""
ESSAY_JOINS = """
    LEFT JOIN students st ON st.id = e.student_id
    LEFT JOIN LATERAL (
        -- text, not varchar: the driver decodes text[] without asking the server for the type
        SELECT array_agg(m.student_id ORDER BY m.rank) AS ids,
               array_agg(m.student_name::text ORDER BY m.rank) AS names,
               array_agg(m.student_email::text ORDER BY m.rank) AS emails,
               array_agg(m.confidence_score ORDER BY m.rank) AS scores,
               array_agg(m.match_reasons::text ORDER BY m.rank) AS reasons
        FROM essay_match_suggestions m WHERE m.essay_id = e.essay_id
    ) sg ON true"""

# The batches $1 with their essays in position order; a batch without essays is one row of NULLs.
# ``version`` is the batch row's ``xmin``, which every decision changes (WRITE_IF_UNCHANGED).
REVIEWS = f"""
SELECT {BATCH_COLUMNS}, b.xmin AS version, {ESSAY_COLUMNS}
FROM association_batches b
JOIN classes c ON c.id = b.class_id
LEFT JOIN essay_student_associations e ON e.batch_id = b.batch_id
{ESSAY_JOINS}
WHERE b.batch_id = ANY($1::text[])
ORDER BY b.batch_id, e.position, e.essay_id"""

# The batches $1 alone.
BATCHES = f"""
SELECT {BATCH_COLUMNS}
FROM association_batches b JOIN classes c ON c.id = b.class_id
WHERE b.batch_id = ANY($1::text[])"""

# The essays $1, wherever they are.
ESSAYS = f"""
SELECT e.batch_id, e.class_id, {ESSAY_COLUMNS}
FROM essay_student_associations e
{ESSAY_JOINS}
WHERE e.essay_id = ANY($1::text[])"""

# The students of the class $1, with their names (a decision shows the decided student's).
MEMBERS = """
SELECT s.id, s.first_name, s.last_name, s.legal_full_name
FROM class_student_association m JOIN students s ON s.id = m.student_id
WHERE m.class_id = $1"""

# Records the event $1 (topic $2, at $3) in the inbox; if it is new and the class $5 exists, creates
# the batch $4 of that class (course $6, correlation $7, received $8, deadline $9) or locks the
# stored one, which keeps its class and first-arrival values. Returns whether the event is new,
# the batch (NULLs: no such class) and whether this call created it, its class's members and which
# of the event's essays $10 are stored already. One round trip.
# Members and stored essays are read in the statement's snapshot: current for a batch this call
# created (nothing else can have written to it); a stored batch is read again after its lock.
INGEST_BEGIN = f"""
WITH inbox AS (
    INSERT INTO inbox_events (event_id, topic, consumed_at) VALUES ($1, $2, $3)
    ON CONFLICT DO NOTHING
    RETURNING event_id
), batch AS (
    INSERT INTO association_batches AS b (batch_id, class_id, course_code, correlation_id, received_at,
                                          deadline_at)
    SELECT $4::text, c.id, $6::text, $7::uuid, $8::timestamptz, $9::timestamptz
    FROM classes c
    WHERE c.id = $5 AND EXISTS (SELECT FROM inbox)
    ON CONFLICT (batch_id) DO UPDATE SET batch_id = excluded.batch_id
    RETURNING b.*, (b.xmax = 0) AS is_inserted
)
SELECT EXISTS (SELECT FROM inbox) AS is_new, b.is_inserted, {BATCH_COLUMNS},
       ARRAY(SELECT m.student_id FROM class_student_association m WHERE m.class_id = b.class_id) AS members,
       ARRAY(SELECT x.essay_id FROM essay_student_associations x WHERE x.essay_id = ANY($10::text[]))
           AS stored_essay_ids
FROM (SELECT) AS one
LEFT JOIN batch b ON true
LEFT JOIN classes c ON c.id = b.class_id"""


def _essay_records(parameter: int) -> str:
    """The essays of ``association_rows.essays_document`` in parameter ``$parameter``, as columns."""
    return f"""
    SELECT d->>0 AS essay_id, (d->>1)::int AS position, d->>2 AS text_storage_id, d->>3 AS filename,
           d->>4 AS no_match_reason, (d->>5)::float8 AS confidence_score,
           (d->>6)::timestamptz AS created_at, d->7 AS suggestions
    FROM jsonb_array_elements(${parameter}::jsonb) AS d"""


# The candidates of each essay ``p``, best first, as ``s`` (ordinality 1 = best).
_CANDIDATE_RECORDS = "jsonb_array_elements(p.suggestions) WITH ORDINALITY AS s(d, rank)"


_ESSAY_INSERT = """INSERT INTO essay_student_associations AS e (essay_id, batch_id, class_id, position,
        text_storage_id, filename, no_match_reason, confidence_score, validation_status, created_at)"""
_CANDIDATE_INSERT = """INSERT INTO essay_match_suggestions AS m (essay_id, rank, student_id, student_name,
        student_email, confidence_score, match_reasons)"""
_CANDIDATE_VALUES = """p.essay_id, s.rank - 1, (s.d->>0)::uuid, s.d->>1, s.d->>2, (s.d->>3)::float8,
           (s.d->4)::json"""

# What decides whether an event can take the first-arrival path (``association_first_arrival``):
# is the event $1 recorded, the class $2's name and owner (NULLs: no such class), is the batch $3
# stored, and the class's students. Read without locks, by primary keys only: a lookup of the
# event's essays (``= ANY``) could keep a sequential-scan plan made while the table was young,
# and the write finds a stored essay by its primary key anyway.
INGEST_PROBE = """
SELECT EXISTS (SELECT FROM inbox_events i WHERE i.event_id = $1) AS is_replay,
       c.name AS class_name, c.created_by_user_id AS owner,
       EXISTS (SELECT FROM association_batches b WHERE b.batch_id = $3) AS is_batch_stored,
       ARRAY(SELECT m.student_id FROM class_student_association m WHERE m.class_id = $2) AS members
FROM (SELECT) AS one
LEFT JOIN classes c ON c.id = $2"""

# The first arrival of a batch, in one statement (its own transaction): the batch $4 of class $5
# (course $6, correlation $7, received $8, deadline $9), the event $1 (topic $2, at $3) in the
# inbox, the essays with their candidates ($10, JSON) and the outbox rows. Writes nothing and
# returns false when the batch is already stored; any other surprise since INGEST_PROBE (the
# event or an essay stored meanwhile, the class or a student deleted) violates a constraint and
# rolls the whole statement back. Either way the caller takes the locked path.
INGEST_NEW = f"""
WITH batch AS (
    INSERT INTO association_batches (batch_id, class_id, course_code, correlation_id, received_at,
                                     deadline_at)
    VALUES ($4, $5, $6, $7, $8, $9)
    ON CONFLICT (batch_id) DO NOTHING
    RETURNING batch_id
), inbox AS (
    INSERT INTO inbox_events (event_id, topic, consumed_at) SELECT $1, $2, $3 FROM batch
    RETURNING event_id
), planned AS (
    {_essay_records(10)}
    WHERE EXISTS (SELECT FROM inbox)
), essays AS (
    {_ESSAY_INSERT}
    SELECT p.essay_id, $4, $5, p.position, p.text_storage_id, p.filename, p.no_match_reason,
           p.confidence_score, 'pending_validation', p.created_at
    FROM planned p
), candidates AS (
    {_CANDIDATE_INSERT}
    SELECT {_CANDIDATE_VALUES}
    FROM planned p CROSS JOIN LATERAL {_CANDIDATE_RECORDS}
), outbox AS ({outbox_insert(11, "EXISTS (SELECT FROM inbox)")}
)
SELECT EXISTS (SELECT FROM inbox)"""

# Writes the planned essays of batch $1 (class $2) and their candidates, and the outbox rows, in
# one round trip after INGEST_BEGIN locked or created the batch. A stored essay is replaced only
# while it is pending in this batch (the plan says so; the WHERE keeps a racing write safe), and
# only replaced essays get the event's candidates: ranks are upserted, surplus ranks deleted
# (unless $3 says the batch is new: nothing to trim). The essays and their candidates travel as
# one JSON document ($4, ``association_rows.essays_document``), serialised in one call; as arrays,
# the driver would type-check every element.
INGEST_WRITE = f"""
WITH planned AS (
    {_essay_records(4)}
), essays AS (
    {_ESSAY_INSERT}
    SELECT p.essay_id, $1::text, $2::uuid, p.position, p.text_storage_id, p.filename,
           p.no_match_reason, p.confidence_score, 'pending_validation', p.created_at
    FROM planned p
    ON CONFLICT (essay_id) DO UPDATE SET
        position = excluded.position, text_storage_id = excluded.text_storage_id,
        filename = excluded.filename, no_match_reason = excluded.no_match_reason,
        confidence_score = excluded.confidence_score
    WHERE e.batch_id = excluded.batch_id AND e.validation_status = 'pending_validation'
    RETURNING e.essay_id
), candidates AS (
    {_CANDIDATE_INSERT}
    SELECT {_CANDIDATE_VALUES}
    FROM planned p JOIN essays USING (essay_id) CROSS JOIN LATERAL {_CANDIDATE_RECORDS}
    ON CONFLICT (essay_id, rank) DO UPDATE SET
        student_id = excluded.student_id, student_name = excluded.student_name,
        student_email = excluded.student_email, confidence_score = excluded.confidence_score,
        match_reasons = excluded.match_reasons
), trimmed AS (
    DELETE FROM essay_match_suggestions m
    USING planned p JOIN essays USING (essay_id)
    WHERE NOT $3::boolean AND m.essay_id = p.essay_id AND m.rank >= jsonb_array_length(p.suggestions)
){outbox_insert(5)}"""
