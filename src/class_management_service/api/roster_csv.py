"""A roster CSV to parsed rows, read line by line from the received bytes.

UTF-8 with or without a byte-order mark; the delimiter (comma, or the semicolon spreadsheets
write in locales with a decimal comma) is whichever of the two the header line holds more of
outside quotes. The header names the columns, case-insensitively, with OneRoster's names as
aliases. Lines are decoded one at a time from a view of the body, so no decoded copy of the
whole upload exists, and reading stops at the row limit.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import TYPE_CHECKING

from class_management_service.api.duplicate_keys import MAX_REPORTED_KEY_LENGTH
from class_management_service.api.import_row_checks import check_row
from class_management_service.domain.import_errors import MalformedUploadError, UploadTooLargeError
from class_management_service.domain.import_rows import ParsedRow

if TYPE_CHECKING:
    from _csv import Reader

ROW_LIMIT_NAME = "IMPORT_MAX_ROWS"
COLUMN_ALIASES = {
    "first_name": "first_name",
    "given_name": "first_name",
    "givenname": "first_name",
    "last_name": "last_name",
    "family_name": "last_name",
    "familyname": "last_name",
    "legal_full_name": "legal_full_name",
    "email": "email",
    "external_id": "external_id",
    "sourced_id": "external_id",
    "sourcedid": "external_id",
}
REQUIRED_COLUMNS = ("first_name", "last_name")
_OPTIONAL_COLUMNS = frozenset({"legal_full_name", "email", "external_id"})
_BOM = "\ufeff"


def parse_csv(body: bytes, max_rows: int) -> list[ParsedRow]:
    """Every data row, checked, in file order; MalformedUploadError naming the line, or
    UploadTooLargeError past ``max_rows``."""
    lines = _Lines(body)
    header_line = next(lines, "").removeprefix(_BOM)
    if not header_line.strip():
        raise MalformedUploadError(1, "expected a header row naming the columns")
    delimiter = _delimiter(header_line)
    reader = csv.reader(lines.restarted_with(header_line), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
    except csv.Error as error:
        raise _not_csv(1, error) from None
    return _rows(reader, _columns(header), max_rows)


class _Lines(Iterator[str]):
    """The body's physical lines, decoded one at a time; a line that is not UTF-8 is a 400."""

    def __init__(self, body: bytes) -> None:
        self._body = body
        self._raw = io.BytesIO(body)  # shares the body's buffer: no copy
        self._number = 0
        self._pending: str | None = None
        # Old Mac spreadsheets end lines with CR alone: then a line is read up to each CR.
        self._ends_with_cr = body.find(b"\n") == -1 and body.find(b"\r") != -1

    def restarted_with(self, first: str) -> _Lines:
        self._pending = first
        return self

    def __next__(self) -> str:
        if self._pending is not None:
            line, self._pending = self._pending, None
            return line
        raw = self._cr_line() if self._ends_with_cr else self._raw.readline()
        if not raw:
            raise StopIteration
        self._number += 1
        try:
            return raw.decode()
        except UnicodeDecodeError as error:
            raise MalformedUploadError(
                self._number, f"not UTF-8 (byte {error.start + 1} of the line)"
            ) from None

    def _cr_line(self) -> bytes:
        start = self._raw.tell()
        end = self._body.find(b"\r", start)
        end = len(self._body) if end == -1 else end + 1
        self._raw.seek(end)
        return self._body[start:end]


def _delimiter(header_line: str) -> str:
    counts = {",": 0, ";": 0}
    inside_quotes = False
    for character in header_line:
        if character == '"':
            inside_quotes = not inside_quotes
        elif not inside_quotes and character in counts:
            counts[character] += 1
    return ";" if counts[";"] > counts[","] else ","


def _columns(header: list[str]) -> list[str]:
    """The field each column holds; the header's problems are a 400 naming line 1."""
    names = [cell.strip()[:MAX_REPORTED_KEY_LENGTH] for cell in header]
    fields = [COLUMN_ALIASES.get(name.lower()) for name in names]
    unknown = [name for name, field in zip(names, fields, strict=True) if field is None]
    if unknown:
        raise MalformedUploadError(1, "unknown column(s) in the header", unknown)
    known = [field for field in fields if field is not None]
    repeated = sorted({name for name, field in zip(names, known, strict=True) if known.count(field) > 1})
    if repeated:
        raise MalformedUploadError(1, "column(s) given more than once in the header", repeated)
    missing = [column for column in REQUIRED_COLUMNS if column not in known]
    if missing:
        raise MalformedUploadError(1, "required column(s) missing from the header", missing)
    return known


def _not_csv(line: int, error: csv.Error) -> MalformedUploadError:
    reason = str(error)
    if "new-line character" in reason:  # the csv module's advice is about opening files
        reason = "a line break inside an unquoted field (mixed line endings?)"
    return MalformedUploadError(line, f"not valid CSV: {reason}")


def _rows(reader: Reader, columns: list[str], max_rows: int) -> list[ParsedRow]:
    rows: list[ParsedRow] = []
    width = len(columns)
    names = [(column, index) for index, column in enumerate(columns) if column not in _OPTIONAL_COLUMNS]
    optional = [(column, index) for index, column in enumerate(columns) if column in _OPTIONAL_COLUMNS]
    while True:
        line = reader.line_num + 1  # a row starts on the line after the previous one ended
        try:
            cells = next(reader)
        except StopIteration:
            return rows
        except csv.Error as error:
            raise _not_csv(line, error) from None
        if not "".join(cells).strip():
            continue  # a blank line, or a spreadsheet's empty row (only delimiters)
        if len(cells) != width:
            raise MalformedUploadError(line, f"{len(cells)} field(s) where the header names {width}")
        if len(rows) == max_rows:
            raise UploadTooLargeError(ROW_LIMIT_NAME, max_rows)
        fields = {column: cells[index] for column, index in names}
        for column, index in optional:
            cell = cells[index]
            if cell and not cell.isspace():  # an empty optional cell is an absent field
                fields[column] = cell
        rows.append(check_row(line, fields))
