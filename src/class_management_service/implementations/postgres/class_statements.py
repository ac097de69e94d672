"""SQL of ``AsyncpgClassRepository``: constant texts, so asyncpg prepares each once per connection."""

from __future__ import annotations

from class_management_service.implementations.postgres.outbox_writer import outbox_insert
from class_management_service.implementations.postgres.rows import CLASS_COLUMNS, CLASS_WITH_COURSE

# Inserts the class only if its course still has the cached code, name and language, and its
# outbox rows only if the class was inserted; returns whether it was. One round trip, atomic.
CREATE = f"""
WITH created AS (
    INSERT INTO classes (id, name, course_id, created_by_user_id, created_at, updated_at)
    SELECT $1::uuid, $2::text, co.id, $6::text, $7::timestamptz, $7::timestamptz
    FROM courses co
    WHERE co.course_code = $3 AND co.name = $4 AND co.language = $5
    RETURNING id
), outbox AS ({outbox_insert(8, "EXISTS (SELECT FROM created)")}
)
SELECT EXISTS (SELECT FROM created)"""

# The class $1 if the teacher $2 owns it.
GET = f"SELECT {CLASS_COLUMNS} FROM {CLASS_WITH_COURSE} WHERE c.id = $1 AND c.created_by_user_id = $2"

_OWN_CLASS_COUNT = "(SELECT count(*) FROM classes t WHERE t.created_by_user_id = $1)"
_NEWEST_FIRST = "ORDER BY c.created_at DESC, c.id DESC LIMIT $2"
# A page of the teacher $1's classes, newest first, each row carrying the teacher's total.
LIST_BY_OFFSET = f"""
SELECT {CLASS_COLUMNS}, {_OWN_CLASS_COUNT} AS total
FROM {CLASS_WITH_COURSE} WHERE c.created_by_user_id = $1 {_NEWEST_FIRST} OFFSET $3"""
# The same strictly after the keyset cursor ($3, $4); the total still counts every class.
LIST_BY_KEYSET = f"""
SELECT {CLASS_COLUMNS}, {_OWN_CLASS_COUNT} AS total
FROM {CLASS_WITH_COURSE} WHERE c.created_by_user_id = $1 AND (c.created_at, c.id) < ($3, $4)
{_NEWEST_FIRST}"""
# The total alone, for a page past the end (it has no row to carry it).
COUNT = f"SELECT {_OWN_CLASS_COUNT}"

# Renames and/or rebinds the class $1 of teacher $2, locked by LOCK; a NULL name or an unknown
# code keeps the current value (the caller then rejects the unknown code). Writers of one class
# are serialised by that lock, so their outbox ids follow commit order.
UPDATE = f"""
WITH c AS (
    UPDATE classes cl SET
        name = coalesce($3, cl.name),
        course_id = coalesce((SELECT k.id FROM courses k WHERE k.course_code = $4), cl.course_id),
        updated_at = $5
    WHERE cl.id = $1 AND cl.created_by_user_id = $2
    RETURNING cl.*
)
SELECT {CLASS_COLUMNS} FROM c JOIN courses co ON co.id = c.course_id"""

# Locks the class $1 of teacher $2 for an update or deletion; no membership can be added while it is held.
LOCK = f"{GET} FOR UPDATE OF c"

# Deletes the locked class $1 (memberships cascade) and returns who was enrolled, in membership
# order. Run after LOCK, so its snapshot holds every membership the cascade removes.
DELETE = """
WITH members AS (
    SELECT student_id, created_at FROM class_student_association WHERE class_id = $1
), deleted AS (
    DELETE FROM classes WHERE id = $1
)
SELECT ARRAY(SELECT student_id FROM members ORDER BY created_at, student_id)"""

# The class $1's owner and students (the repository puts them in name order); no row: no such class.
ROSTER = """
SELECT c.created_by_user_id AS owner, s.id AS student_id, s.first_name, s.last_name,
       s.legal_full_name, s.email
FROM classes c
LEFT JOIN class_student_association m ON m.class_id = c.id
LEFT JOIN students s ON s.id = m.student_id
WHERE c.id = $1"""
