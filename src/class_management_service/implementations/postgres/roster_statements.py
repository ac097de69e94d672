"""SQL of ``AsyncpgClassRosterRepository``: constant texts, prepared once per connection.

Locks follow the single-student update's order, students before classes: the students in id
order FOR UPDATE (two roster changes naming the same students queue instead of deadlocking),
then the classes FOR KEY SHARE (shared with every other writer that only adds memberships).
"""

from __future__ import annotations

from class_management_service.implementations.postgres.outbox_writer import outbox_insert
from class_management_service.implementations.postgres.rows import STUDENT_COLUMNS

# Locks the students $1 that the teacher $2 owns, in id order (ORDER BY runs below the row
# locking, so the locks are taken in that order).
LOCK_STUDENTS = f"""
SELECT {STUDENT_COLUMNS}
FROM students s WHERE s.id = ANY($1::uuid[]) AND s.created_by_user_id = $2
ORDER BY s.id
FOR UPDATE"""

# After LOCK_STUDENTS: share-locks the classes $1 (none can be deleted before the memberships
# commit) and returns those the teacher $2 owns, and the memberships of the locked students $3
# as three aligned arrays. Classes are looked up by id alone and their owner compared
# afterwards, as in the student statements.
STATE = """
WITH found AS (
    SELECT c.id, c.created_by_user_id AS owner FROM classes c
    WHERE c.id = ANY($1::uuid[])
    FOR KEY SHARE
)
SELECT ARRAY(SELECT f.id FROM found f WHERE f.owner = $2) AS owned_class_ids,
       coalesce(j.student_ids, '{}') AS student_ids,
       coalesce(j.class_ids, '{}') AS class_ids,
       coalesce(j.joined_at, '{}') AS joined_at
FROM (
    SELECT array_agg(m.student_id) AS student_ids, array_agg(m.class_id) AS class_ids,
           array_agg(m.created_at) AS joined_at
    FROM class_student_association m WHERE m.student_id = ANY($3::uuid[])
) j"""

# Writes what the domain decided for the locked students: updated_at $2 of the students $1;
# leaves the memberships ($3 student, $4 class); joins ($5 class, $6 student, since $7); inserts
# the outbox rows. One round trip.
CHANGE = f"""
WITH touched AS (
    UPDATE students s SET updated_at = t.updated_at
    FROM unnest($1::uuid[], $2::timestamptz[]) AS t(id, updated_at)
    WHERE s.id = t.id
), removed AS (
    DELETE FROM class_student_association m
    USING unnest($3::uuid[], $4::uuid[]) AS r(student_id, class_id)
    WHERE m.student_id = r.student_id AND m.class_id = r.class_id
), added AS (
    INSERT INTO class_student_association (class_id, student_id, created_at)
    SELECT a.class_id, a.student_id, a.joined_at
    FROM unnest($5::uuid[], $6::uuid[], $7::timestamptz[]) AS a(class_id, student_id, joined_at)
){outbox_insert(8)}"""
