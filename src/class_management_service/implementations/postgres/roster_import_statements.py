"""SQL of ``AsyncpgRosterImportRepository``: constant texts, prepared once per connection.

Created students, memberships and outbox rows travel by binary COPY (``COPY_*`` name the
columns, in the order of the records ``roster_import_records`` builds): the cheapest way into
PostgreSQL for thousands of rows, and COPY inserts in record order, so the outbox ids (the
publish order) follow the events' order.
"""

from __future__ import annotations

from class_management_service.implementations.postgres.outbox_writer import outbox_insert
from class_management_service.implementations.postgres.rows import CLASS_IDS_OF_STUDENT, STUDENT_COLUMNS

IMPORT_LOCK_SPACE = 0x636D_7369  # "cmsi"
"""The first key of ``pg_advisory_xact_lock(int4, int4)``: a key space of its own, which never
meets the single bigint keys ``postgres.leadership`` takes (PostgreSQL keeps the two forms apart)."""

# Serialises the imports of teacher $2 until the transaction ends, then share-locks the classes
# $1 (none can be deleted before the memberships commit) and returns those that are not the
# teacher's, in request order. Classes are looked up by id alone and their owner compared
# afterwards, as in student_statements.CREATE_ENROLLED.
LOCK_AND_CHECK_CLASSES = f"""
WITH found AS (
    SELECT c.id, c.created_by_user_id AS owner FROM classes c
    WHERE c.id = ANY($1::uuid[])
    FOR KEY SHARE
)
SELECT pg_advisory_xact_lock({IMPORT_LOCK_SPACE}, hashtext($2::text)),
       ARRAY(SELECT r.class_id FROM unnest($1::uuid[]) WITH ORDINALITY AS r(class_id, position)
             WHERE NOT EXISTS (SELECT FROM found f WHERE f.id = r.class_id AND f.owner = $2)
             ORDER BY r.position) AS missing_class_ids"""

# The teacher $1's students named by external id ($2) or by email ($3, as the rows spell them: folded
# here by PostgreSQL's lower(), as the unique index folds them, which for a few letters such as
# "İ" differs from Python's str.lower()), with their
# classes in read order; each found through its unique index. Run after the advisory lock, in a
# statement of its own, so its snapshot holds every import of the teacher committed before.
# The row locks keep single-student updates and deletes off them until the import commits, so
# the plan decides on their current state and their events stay in commit order.
LOAD_NAMED = f"""
SELECT {STUDENT_COLUMNS}, {CLASS_IDS_OF_STUDENT}
FROM students s
WHERE s.id IN (
    SELECT n.id FROM students n
    WHERE n.created_by_user_id = $1 AND n.external_id = ANY($2::text[])
    UNION
    SELECT n.id FROM students n
    WHERE n.created_by_user_id = $1
      AND lower(n.email) = ANY(ARRAY(SELECT DISTINCT lower(e) FROM unnest($3::text[]) AS e))
)
FOR NO KEY UPDATE OF s"""

STUDENT_COPY_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "legal_full_name",
    "email",
    "external_id",
    "created_by_user_id",
    "created_at",
    "updated_at",
)
MEMBERSHIP_COLUMNS = ("class_id", "student_id", "created_at")


# The updated students' fields, one array per column: the plan decided every value (an absent
# optional field keeps its value there already). Unique indexes still check emails and external
# ids against students the import did not load.
def _update_students(first: int) -> str:
    """An UPDATE of the students in the seven array parameters from ``$first`` on: id, first,
    last and legal name, email, external id, updated_at."""
    p = range(first, first + 7)
    return f"""
UPDATE students s
SET first_name = u.first_name, last_name = u.last_name, legal_full_name = u.legal_full_name,
    email = u.email, external_id = u.external_id, updated_at = u.updated_at
FROM unnest(${p[0]}::uuid[], ${p[1]}::text[], ${p[2]}::text[], ${p[3]}::text[], ${p[4]}::text[],
            ${p[5]}::text[], ${p[6]}::timestamptz[])
     AS u(id, first_name, last_name, legal_full_name, email, external_id, updated_at)
WHERE s.id = u.id"""


UPDATE_STUDENTS = _update_students(1)

# The whole write of a small import in one round trip: the created students ($1-$8, one array per
# column but the owner $7), the updated students' fields ($9-$15, as UPDATE_STUDENTS), the
# memberships ($16-$18), then the outbox rows from $19 on, inserted in array order. The
# memberships' foreign-key checks run at the end of the statement, so they see the students
# inserted beside them.
WRITE_SMALL = f"""
WITH created AS (
    INSERT INTO students (id, first_name, last_name, legal_full_name, email, external_id,
                          created_by_user_id, created_at, updated_at)
    SELECT c.id, c.first_name, c.last_name, c.legal_full_name, c.email, c.external_id, $7::text,
           c.created_at, c.created_at
    FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                $8::timestamptz[]) AS c(id, first_name, last_name, legal_full_name, email, external_id,
                                        created_at)
), updated AS ({_update_students(9)}
), joined AS (
    INSERT INTO class_student_association (class_id, student_id, created_at)
    SELECT m.class_id, m.student_id, m.joined_at
    FROM unnest($16::uuid[], $17::uuid[], $18::timestamptz[]) AS m(class_id, student_id, joined_at)
){outbox_insert(19)}"""
