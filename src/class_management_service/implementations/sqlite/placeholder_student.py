"""The class's "unknown" student, found again by its address or created once (under the write lock)."""

from __future__ import annotations

import uuid
from datetime import datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from class_management_service.domain.associations import AssociationBatch
from class_management_service.domain.models import Student
from class_management_service.domain.timeout_rules import placeholder_email, placeholder_student
from class_management_service.implementations.sql_common import utc
from class_management_service.implementations.sqlite import association_statements as sql


async def placeholder_for(
    session: AsyncSession, batch: AssociationBatch, at: datetime
) -> tuple[UUID, Student | None]:
    """The placeholder's id, and the Student when this call created it (its StudentCreatedV1 goes out).

    A placeholder the teacher took out of the class is enrolled again.
    """
    email = placeholder_email(batch.class_id)
    found = (await session.execute(sql.PLACEHOLDER, {"owner": batch.owner, "email": email})).first()
    if found is not None:
        await _enrol(session, batch, found.id, at)
        return found.id, None
    at = utc(at)
    student = placeholder_student(batch.class_id, batch.owner, uuid.uuid4(), at)
    await session.execute(
        sql.INSERT_STUDENT,
        {
            "id": student.id,
            "first_name": student.first_name,
            "last_name": student.last_name,
            "legal_full_name": student.legal_full_name,
            "email": student.email,
            "created_by_user_id": student.created_by_user_id,
            "created_at": at,
            "updated_at": at,
        },
    )
    await _enrol(session, batch, student.id, at)
    return student.id, student


async def _enrol(session: AsyncSession, batch: AssociationBatch, student_id: UUID, at: datetime) -> None:
    params = {"class_id": batch.class_id, "student_id": student_id}
    if (await session.execute(sql.IS_MEMBER, params)).first() is None:
        await session.execute(sql.INSERT_MEMBER, {**params, "created_at": utc(at)})
