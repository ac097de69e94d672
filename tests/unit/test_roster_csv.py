"""``api.roster_csv``: the dialect, the header, line numbers and the row limit, without HTTP."""

from __future__ import annotations

import pytest

from class_management_service.api.roster_csv import parse_csv
from class_management_service.domain.import_errors import MalformedUploadError, UploadTooLargeError
from class_management_service.domain.import_rows import FieldError, ImportRow, InvalidRow


def test_the_delimiter_is_the_one_the_header_holds_more_of_outside_quotes() -> None:
    rows = parse_csv(b'first_name;last_name;"email"\nAda,L;Lovelace;\n', 10)
    assert rows == [ImportRow(2, "Ada,L", "Lovelace", None, None, None)]


def test_a_quoted_header_cell_with_a_semicolon_does_not_make_the_file_semicolon_separated() -> None:
    with pytest.raises(MalformedUploadError) as raised:
        parse_csv(b'"first_name;x",last_name\nAda,Lovelace\n', 10)
    assert raised.value.details == {
        "line": 1,
        "reason": "unknown column(s) in the header",
        "columns": ["first_name;x"],
    }


def test_aliases_and_case_map_to_the_fields_and_blank_optional_cells_are_absent() -> None:
    body = (
        "\ufeffGIVEN_NAME;Family_Name;SourcedId;EMAIL;Legal_Full_Name\r\n Ada ; Lovelace ;  ; ;\r\n".encode()
    )
    assert parse_csv(body, 10) == [ImportRow(2, "Ada", "Lovelace", None, None, None)]


def test_a_row_starts_on_the_line_after_the_previous_row_ended() -> None:
    body = b'first_name,last_name\n"A\n\nB",C\n\n,,\nD,E\n'
    rows = parse_csv(body, 10)
    assert [row.line for row in rows] == [2, 7]


def test_a_row_without_a_name_is_invalid_with_the_reason() -> None:
    assert parse_csv(b"first_name,last_name,email\n , ,a@example.org\n", 10) == [
        InvalidRow(2, (FieldError("first_name", "first_name and last_name cannot both be empty"),))
    ]


def test_the_row_limit_counts_rows_not_lines() -> None:
    body = b"first_name,last_name\n\nA,B\n\nC,D\n"
    assert len(parse_csv(body, 2)) == 2
    with pytest.raises(UploadTooLargeError):
        parse_csv(body + b"E,F\n", 2)


def test_lines_ending_with_cr_alone_are_lines() -> None:
    body = b'first_name,last_name\rAda,Lovelace\r\r"Alan\rM.",Turing\r'
    assert parse_csv(body, 10) == [
        ImportRow(2, "Ada", "Lovelace", None, None, None),
        ImportRow(4, "Alan\rM.", "Turing", None, None, None),
    ]


def test_a_stray_line_break_in_an_unquoted_field_is_named_plainly() -> None:
    with pytest.raises(MalformedUploadError) as raised:
        parse_csv(b"first_name,last_name\nAda,Love\rlace\n", 10)
    assert raised.value.details["line"] == 2
    assert "line break inside an unquoted field" in raised.value.message
