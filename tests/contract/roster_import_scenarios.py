"""Building blocks of the roster-import contract scenarios: rows, commands, and what was written."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from class_management_service.domain.import_rows import (
    FieldError,
    ImportMode,
    ImportRow,
    InvalidRow,
    ParsedRow,
    RosterUpload,
)
from class_management_service.domain.models import Actor, PageRequest, Student, StudentFilter
from class_management_service.domain.roster_import import ImportCommand, ImportPlan
from class_management_service.domain.roster_import_events import import_events
from tests.contract.conftest import Repos, actor_for, moment


def row(
    line: int,
    first_name: str,
    last_name: str,
    email: str | None = None,
    external_id: str | None = None,
    legal_full_name: str | None = None,
) -> ImportRow:
    return ImportRow(line, first_name, last_name, legal_full_name, email, external_id)


def invalid(line: int, field: str = "email", message: str = "not an email address") -> InvalidRow:
    return InvalidRow(line, (FieldError(field, message),))


def command(
    owner: str,
    rows: Sequence[ParsedRow],
    class_ids: Sequence[UUID] = (),
    mode: ImportMode = ImportMode.CREATE_ONLY,
    *,
    dry_run: bool = False,
    atomic: bool = False,
    at: datetime | None = None,
) -> ImportCommand:
    upload = RosterUpload(tuple(rows), tuple(class_ids), mode, dry_run, atomic)
    return ImportCommand(owner, upload, at or moment(), uuid.uuid4)


async def run_import(repos: Repos, cmd: ImportCommand, actor: Actor | None = None) -> ImportPlan:
    who = actor or actor_for(cmd.owner)
    return await repos.imports.import_students(cmd, lambda plan: import_events(plan, who))


async def students_of(repos: Repos, owner: str) -> list[Student]:
    """Every student of the teacher, oldest first (a listing is newest first)."""
    page = await repos.students.list(owner, PageRequest(limit=100), StudentFilter())
    return sorted(page.items, key=lambda s: (s.created_at, s.last_name, s.first_name))


def outcomes(plan: ImportPlan) -> list[tuple[int, str]]:
    return [(result.line, result.outcome.value) for result in plan.results]


def counts(plan: ImportPlan) -> dict[str, int]:
    return {outcome.value: n for outcome, n in plan.counts.items() if n}
