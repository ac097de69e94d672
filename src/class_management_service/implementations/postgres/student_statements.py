"""SQL of ``AsyncpgStudentRepository`` (listing aside): constant texts, prepared once per connection."""

from __future__ import annotations

from class_management_service.implementations.postgres.outbox_writer import outbox_insert
from class_management_service.implementations.postgres.rows import CLASS_IDS_OF_STUDENT, STUDENT_COLUMNS

# Creates student $1 of teacher $6 (external id $8) with the outbox rows, unless another student
# of the teacher has the email $5 in any case; returns whether it had. One round trip, atomic.
# ON CONFLICT names the email index only: another student with the external id $8 violates its
# unique index (the caller maps the error), and the email is the one checked first.
# A statement of its own for the students created in no class (CREATE_ENROLLED would do): its
# cost does not depend on the size of the classes table, so PostgreSQL settles on one generic
# plan after five calls. CREATE_ENROLLED's custom plans look cheaper than its generic plan once
# the classes table is large, and PostgreSQL then plans every call afresh.
CREATE = f"""
WITH student AS (
    INSERT INTO students (id, first_name, last_name, legal_full_name, email, created_by_user_id,
                          created_at, updated_at, external_id)
    VALUES ($1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text, $7::timestamptz, $7::timestamptz,
            $8::text)
    ON CONFLICT (created_by_user_id, lower(email)) DO NOTHING
    RETURNING id
), outbox AS ({outbox_insert(9, "EXISTS (SELECT FROM student)")}
)
SELECT NOT EXISTS (SELECT FROM student) AS is_email_taken"""

# Creates student $1 of teacher $6 (external id $8, checked as in CREATE) enrolled in the classes
# $9 (joined at $10, request order), and the outbox rows, only if every class is the teacher's and
# no student of the teacher has the email $5 in any case; otherwise writes nothing. Returns the
# classes that are not the teacher's, in request order, and whether the email was taken. The share
# lock keeps the classes from being deleted before the memberships commit. One round trip, atomic.
# Classes are looked up by id alone and their owner compared afterwards: with the owner in the
# WHERE clause, a plan made on young statistics could walk the teacher's whole class index.
# The email is checked by the unique index itself (ON CONFLICT), never by a lookup whose plan
# depends on statistics: a plan chosen on a young table (a sequential scan) is kept as it grows.
CREATE_ENROLLED = f"""
WITH requested AS (
    SELECT r.class_id, r.joined_at, r.position
    FROM unnest($9::uuid[], $10::timestamptz[]) WITH ORDINALITY AS r(class_id, joined_at, position)
), found AS (
    SELECT c.id, c.created_by_user_id AS owner FROM classes c
    WHERE c.id = ANY($9::uuid[])
    FOR KEY SHARE
), missing AS (
    SELECT ARRAY(SELECT r.class_id FROM requested r
                 WHERE NOT EXISTS (SELECT FROM found f WHERE f.id = r.class_id AND f.owner = $6)
                 ORDER BY r.position) AS class_ids
), student AS (
    INSERT INTO students (id, first_name, last_name, legal_full_name, email, created_by_user_id,
                          created_at, updated_at, external_id)
    SELECT $1::uuid, $2::text, $3::text, $4::text, $5::text, $6::text, $7::timestamptz, $7::timestamptz,
           $8::text
    FROM missing
    WHERE cardinality(missing.class_ids) = 0
    ON CONFLICT (created_by_user_id, lower(email)) DO NOTHING
    RETURNING id
), memberships AS (
    INSERT INTO class_student_association (class_id, student_id, created_at)
    SELECT r.class_id, s.id, r.joined_at FROM requested r CROSS JOIN student s
), outbox AS ({outbox_insert(11, "EXISTS (SELECT FROM student)")}
)
SELECT missing.class_ids AS missing_class_ids,
       cardinality(missing.class_ids) = 0 AND NOT EXISTS (SELECT FROM student) AS is_email_taken
FROM missing"""

# The student $1 if the teacher $2 owns them, with their class ids.
GET = f"""
SELECT {STUDENT_COLUMNS}, {CLASS_IDS_OF_STUDENT}
FROM students s WHERE s.id = $1 AND s.created_by_user_id = $2"""

# After the row lock: the student $1's memberships (class, since when; read order), for an update
# that joins no class. Like CREATE, a statement that never reads the classes table, so it keeps
# one plan (MEMBERSHIPS, which must read it, is planned on every call once classes are many).
JOINED = """
WITH joined AS (
    SELECT class_id, created_at FROM class_student_association WHERE student_id = $1
)
SELECT
    ARRAY(SELECT class_id FROM joined ORDER BY created_at, class_id) AS class_ids,
    ARRAY(SELECT created_at FROM joined ORDER BY created_at, class_id) AS joined_at"""

# After the row lock: the student $1's memberships (class, since when; read order), and which of
# the classes $2 an update adds or removes are neither joined already nor the teacher $3's, in
# request order. Share locks those classes, so none to add is deleted before its membership commits.
MEMBERSHIPS = """
WITH joined AS (
    SELECT class_id, created_at FROM class_student_association WHERE student_id = $1
), found AS (
    SELECT c.id, c.created_by_user_id AS owner FROM classes c
    WHERE c.id = ANY($2::uuid[]) AND c.id NOT IN (SELECT class_id FROM joined)
    FOR KEY SHARE
)
SELECT
    ARRAY(SELECT class_id FROM joined ORDER BY created_at, class_id) AS class_ids,
    ARRAY(SELECT created_at FROM joined ORDER BY created_at, class_id) AS joined_at,
    ARRAY(SELECT a.class_id FROM unnest($2::uuid[]) WITH ORDINALITY AS a(class_id, position)
          WHERE a.class_id NOT IN (SELECT class_id FROM joined)
            AND NOT EXISTS (SELECT FROM found f WHERE f.id = a.class_id AND f.owner = $3)
          ORDER BY a.position) AS missing_class_ids"""

# Writes what the domain decided for the locked student $1: names $2-$4, email $5 and external id
# $10 (another of the teacher's students with either violates its unique index), updated_at $6;
# leaves the classes $7, joins the classes $8 (at $9); inserts the outbox rows. One round trip.
CHANGE = f"""
WITH student AS (
    UPDATE students SET first_name = $2, last_name = $3, legal_full_name = $4, email = $5, updated_at = $6,
                        external_id = $10
    WHERE id = $1
), removed AS (
    DELETE FROM class_student_association WHERE student_id = $1 AND class_id = ANY($7::uuid[])
), added AS (
    INSERT INTO class_student_association (class_id, student_id, created_at)
    SELECT a.class_id, $1::uuid, a.joined_at
    FROM unnest($8::uuid[], $9::timestamptz[]) AS a(class_id, joined_at)
){outbox_insert(11)}"""

# Locks the student $1 of teacher $2 for an update or deletion; their memberships cannot change
# while it is held.
LOCK = f"SELECT {STUDENT_COLUMNS} FROM students s WHERE s.id = $1 AND s.created_by_user_id = $2 FOR UPDATE"

# Deletes the locked student $1 (memberships cascade) and returns their classes in read order.
# Run after LOCK, so its snapshot holds every membership the cascade removes.
DELETE = """
WITH joined AS (
    SELECT class_id, created_at FROM class_student_association WHERE student_id = $1
), deleted AS (
    DELETE FROM students WHERE id = $1
)
SELECT ARRAY(SELECT class_id FROM joined ORDER BY created_at, class_id)"""
