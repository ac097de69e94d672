"""The roster import's response: what every row did (or, in a dry run, would do)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from class_management_service.domain.import_rows import ImportMode, RowOutcome


class RowErrorModel(BaseModel):
    """One reason a row is invalid."""

    field: str = Field(description="The column or JSON field (`student` for the row as a whole)")
    message: str


class RowResultModel(BaseModel):
    """One row's outcome, in input order."""

    row: int = Field(
        description="The CSV line the row starts on (the header is line 1), or the JSON position"
    )
    outcome: RowOutcome
    student_id: UUID | None = Field(description="The created, updated or matched student; null when invalid")
    errors: list[RowErrorModel] = Field(description="Every error of an invalid row; empty otherwise")


class ImportCountsModel(BaseModel):
    """How many rows had each outcome."""

    created: int
    updated: int
    unchanged: int
    skipped: int
    invalid: int


class ImportResultModel(BaseModel):
    """A roster import's answer: its options, the counts, and one result per row."""

    mode: ImportMode
    dry_run: bool
    atomic: bool
    class_ids: list[UUID]
    counts: ImportCountsModel
    results: list[RowResultModel]
