"""The rows of a roster import as the parser hands them over: valid ones, and invalid ones with why.

Pure data: ``api.roster_parsing`` builds them from a CSV or JSON body, ``domain.roster_import``
plans what each valid row does to the teacher's students.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID


class ImportMode(StrEnum):
    """What an import does with a row naming a student the teacher already has."""

    CREATE_ONLY = "create_only"
    """New students are created; an existing one is ``skipped`` (``unchanged`` if identical)."""
    UPSERT = "upsert"
    """New students are created, existing ones updated."""
    UPDATE_ONLY = "update_only"
    """Existing students are updated; a row naming nobody known is ``skipped``."""


class RowOutcome(StrEnum):
    """What happened (or, in a dry run, would happen) to one row."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class FieldError:
    """One reason a row is invalid: the field (the request's name for it) and a message."""

    field: str
    message: str


@dataclass(frozen=True, slots=True)
class ImportRow:
    """A valid row: names stripped and checked, the email validated, optional fields None when absent.

    ``line`` is the row's number as the teacher sees it: the CSV line it starts on (the header
    is line 1), or the 1-based position in a JSON ``students`` list.
    """

    line: int
    first_name: str
    last_name: str
    legal_full_name: str | None
    email: str | None
    external_id: str | None


@dataclass(frozen=True, slots=True)
class InvalidRow:
    """A row that failed validation, with every error found in it."""

    line: int
    errors: tuple[FieldError, ...]


ParsedRow = ImportRow | InvalidRow


@dataclass(frozen=True, slots=True)
class RosterUpload:
    """One import request: its rows in input order and how to apply them."""

    rows: Sequence[ParsedRow]
    class_ids: tuple[UUID, ...] = ()
    """Classes every created or updated student joins (deduplicated, request order)."""
    mode: ImportMode = ImportMode.CREATE_ONLY
    dry_run: bool = False
    """Plan and answer exactly as a real run would, and write nothing."""
    atomic: bool = False
    """Write nothing when any row is invalid (else the valid rows are written)."""
