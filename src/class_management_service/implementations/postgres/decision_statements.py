"""SQL of the association decisions (teacher, timeout, delete guards): constant texts, prepared once."""

from __future__ import annotations

from class_management_service.implementations.postgres.outbox_writer import outbox_insert

# Locks the batch $1 (its decisions queue here) and returns its class's owner; no row: no batch.
LOCK_BATCH = """
SELECT c.created_by_user_id AS owner
FROM association_batches b JOIN classes c ON c.id = b.class_id
WHERE b.batch_id = $1
FOR UPDATE OF b"""

# Locks the batches $1 in one order (batch id), so two guards never wait on each other in a cycle.
LOCK_BATCHES = """
SELECT b.batch_id FROM association_batches b
WHERE b.batch_id = ANY($1::text[])
ORDER BY b.batch_id
FOR UPDATE"""

# The oldest open batch whose deadline passed at $1 that no other transaction holds, locked.
NEXT_EXPIRED = """
SELECT b.batch_id FROM association_batches b
WHERE b.completed_at IS NULL AND b.deadline_at <= $1
ORDER BY b.deadline_at, b.batch_id
LIMIT 1
FOR UPDATE SKIP LOCKED"""

# Decided essays ($1 to $7, arrays), and the batch $8 rewritten: completed at $9 (NULL: still
# open) with timeout_triggered $10 if it is open. Every decision rewrites the batch row, so its
# version (``xmin``) tells WRITE_IF_UNCHANGED whether anything was decided since it was read.
_DECIDED = """
    UPDATE essay_student_associations e SET
        validation_status = d.status, student_id = d.student_id, confidence_score = d.confidence_score,
        validation_method = d.method, validated_by = d.validated_by, validated_at = d.validated_at
    FROM unnest($1::text[], $2::text[], $3::uuid[], $4::float8[], $5::text[], $6::text[],
                $7::timestamptz[])
        AS d(essay_id, status, student_id, confidence_score, method, validated_by, validated_at)
    WHERE e.essay_id = d.essay_id"""
_TOUCHED = """
    UPDATE association_batches SET
        completed_at = coalesce(completed_at, $9::timestamptz),
        timeout_triggered = CASE WHEN completed_at IS NULL AND $9::timestamptz IS NOT NULL
                                 THEN $10::boolean ELSE timeout_triggered END
    WHERE batch_id = $8"""

# Stores the decisions on the locked batch $8 and inserts the outbox rows. One round trip.
WRITE_DECISIONS = f"""
WITH touched AS ({_TOUCHED}
), decided AS ({_DECIDED}
){outbox_insert(11)}"""

# The same without the lock, only if the batch row is still the version $19 the decision read
# (``REVIEWS.version``): returns whether it wrote anything. A batch decided, completed or
# re-ingested since then has another version: nothing is written, the caller decides again under
# the lock. A writer holding the row makes this statement wait, then compare with its version.
WRITE_IF_UNCHANGED = f"""
WITH touched AS ({_TOUCHED} AND xmin = $19::xid
    RETURNING batch_id
), decided AS ({_DECIDED} AND EXISTS (SELECT FROM touched)
), outbox AS ({outbox_insert(11, "EXISTS (SELECT FROM touched)")}
)
SELECT EXISTS (SELECT FROM touched)"""

# The class $1's placeholder student (owner $2, email $3), created with the id $4 and names
# $5, $6, $7 at $8 when missing, and enrolled in the class. Returns its id (NULL when another
# transaction created it after this statement's snapshot: run it again) and whether it was
# created here.
PLACEHOLDER = """
WITH created AS (
    INSERT INTO students (id, first_name, last_name, legal_full_name, email, created_by_user_id,
                          created_at, updated_at)
    VALUES ($4::uuid, $5::text, $6::text, $7::text, $3::text, $2::text, $8::timestamptz,
            $8::timestamptz)
    ON CONFLICT (created_by_user_id, lower(email)) DO NOTHING
    RETURNING id
), chosen AS (
    SELECT id FROM created
    UNION ALL
    SELECT s.id FROM students s WHERE s.created_by_user_id = $2 AND lower(s.email) = lower($3)
    LIMIT 1
), enrolled AS (
    INSERT INTO class_student_association (class_id, student_id, created_at)
    SELECT $1::uuid, chosen.id, $8::timestamptz FROM chosen
    ON CONFLICT DO NOTHING
)
SELECT (SELECT id FROM chosen) AS student_id, EXISTS (SELECT FROM created) AS is_created"""

# Batches with pending essays of the class $1, for its delete guard (text[]: a type the driver
# knows without asking the server, as it must for varchar[]).
PENDING_BATCHES_OF_CLASS = """
SELECT ARRAY(
    SELECT DISTINCT e.batch_id::text FROM essay_student_associations e
    WHERE e.class_id = $1 AND e.validation_status = 'pending_validation'
    ORDER BY 1)"""

# Batches with pending essays that list the student $1 as a candidate, for its delete guard.
PENDING_BATCHES_OF_CANDIDATE = """
SELECT ARRAY(
    SELECT DISTINCT e.batch_id::text
    FROM essay_match_suggestions m JOIN essay_student_associations e ON e.essay_id = m.essay_id
    WHERE m.student_id = $1 AND e.validation_status = 'pending_validation'
    ORDER BY 1)"""
