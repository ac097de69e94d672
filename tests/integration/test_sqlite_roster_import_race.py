"""A single-student create racing a SQLite roster import: one student per email, whoever wins."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from class_management_service.domain.errors import DuplicateStudentEmailError
from class_management_service.domain.import_rows import ImportRow, RowOutcome
from class_management_service.domain.models import NewStudent
from class_management_service.implementations.sqlite.student_repository import SqlAlchemyStudentRepository
from class_management_service.models_db import students
from tests.integration.repository_helpers import no_events
from tests.integration.sqlite_roster_import_helpers import START, Roster, numbered_rows, open_roster, upload

RACED = "race@school.se"


@pytest.fixture
async def roster(sqlite_url: str) -> AsyncIterator[Roster]:
    async with open_roster(sqlite_url) as opened:
        yield opened


@pytest.mark.parametrize("create_first", [True, False])
async def test_a_single_create_racing_an_import_never_duplicates_the_email(
    roster: Roster, *, create_first: bool
) -> None:
    rows = [*numbered_rows(3_000), ImportRow(3_002, "Rut", "Ek", None, RACED, None)]
    single = NewStudent(uuid.uuid4(), "Rut", "Eklund", "Rut Eklund", RACED.upper(), (), roster.owner, START)
    repository = SqlAlchemyStudentRepository(roster.engine)
    command = upload(rows, [roster.school_class.id])
    if create_first:
        creating = asyncio.ensure_future(repository.create(single, no_events))
        importing = asyncio.ensure_future(roster.run(command))
    else:
        importing = asyncio.ensure_future(roster.run(command))
        creating = asyncio.ensure_future(repository.create(single, no_events))

    created, plan = await asyncio.gather(creating, importing, return_exceptions=True)

    assert not isinstance(plan, BaseException)
    raced = plan.results[-1]
    # Whichever took the lock first (usually the task made first) decides; the other sees it.
    if isinstance(created, BaseException):
        assert isinstance(created, DuplicateStudentEmailError)
        assert raced.outcome is RowOutcome.CREATED
    else:
        assert (raced.outcome, raced.student_id) == (RowOutcome.SKIPPED, single.id)
    assert plan.counts[RowOutcome.CREATED] >= 3_000
    async with roster.engine.connect() as connection:
        same_email = select(func.count()).where(func.lower(students.c.email) == RACED)
        assert (await connection.execute(same_email)).scalar_one() == 1
