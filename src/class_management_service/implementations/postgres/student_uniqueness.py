"""A student write refused by one of the teacher's unique indexes, as the domain error it means."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import asyncpg

from class_management_service.domain.errors import (
    ClassManagementError,
    DuplicateStudentEmailError,
    DuplicateStudentExternalIdError,
)
from class_management_service.models_db import STUDENT_EMAIL_INDEX, STUDENT_EXTERNAL_ID_INDEX

_ERROR_BY_INDEX: dict[str, Callable[[], ClassManagementError]] = {
    STUDENT_EMAIL_INDEX: DuplicateStudentEmailError,
    STUDENT_EXTERNAL_ID_INDEX: DuplicateStudentExternalIdError,
}


@asynccontextmanager
async def unique_student_fields() -> AsyncIterator[None]:
    """Another of the teacher's students already has the email (in any case) or the external id.

    A create's ON CONFLICT covers the email index only, so a duplicate external id arrives here as
    well as any duplicate an update writes.
    """
    try:
        yield
    except asyncpg.UniqueViolationError as error:
        duplicate = _ERROR_BY_INDEX.get(error.constraint_name or "")
        if duplicate is None:
            raise
        raise duplicate() from error
