"""Reading users' CSV files: encodings, delimiters and unusable files."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from csv_intake import (
    CsvText,
    IntakeError,
    as_plain_csv,
    duplicate_columns,
    header,
    load_table,
    read_text,
)


def _table(text: str, delimiter: str = ","):
    return load_table(CsvText(Path("data.csv"), text, "utf-8", delimiter))


def test_windows_semicolon_file_is_rewritten_value_for_value(tmp_path):
    path = tmp_path / "data.csv"
    rows = [["Name (full)", "Price (€)", "Note"], ["Zoë", "1,50", "a; b"], ["007", "", "x"]]
    with path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    text = read_text(path)
    assert (text.encoding, text.delimiter) == ("cp1252", ";")
    assert text.notes == [
        "decoded as cp1252 and written as UTF-8",
        "semicolon-separated: written comma-separated",
    ]
    assert list(csv.reader(io.StringIO(as_plain_csv(text)))) == rows


def test_plain_utf8_file_needs_no_change(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    text = read_text(path)
    assert text.is_plain and text.notes == []


def test_byte_order_mark_is_dropped(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes("\ufeffa,b\n1,2\n".encode())
    text = read_text(path)
    assert not text.is_plain and header(text) == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"PK\x03\x04\x00\x00binary", "binary content"),
    ],
)
def test_unusable_files_are_refused(tmp_path, content, message):
    path = tmp_path / "data.csv"
    path.write_bytes(content)
    with pytest.raises(IntakeError, match=message):
        read_text(path)


def test_missing_file_is_refused(tmp_path):
    with pytest.raises(IntakeError, match="no such file"):
        read_text(tmp_path / "nope.csv")


def test_duplicate_columns_are_listed_once():
    assert duplicate_columns(["a", "b", "a", "c", "b", "a"]) == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("a,b\n1,2\n3,4\n", ","),
        ("\n  \n\t\na,b\n1,2\n\n   \n3,4\n , \n,\n", ","),  # blank lines are skipped
        ("a\tb\n1\t2\n\t\n3\t4\n", "\t"),  # a tab-only line is a row when tab separates
        ("a\n1\n \n3\n", ","),
        ('a\n1\n"  "\n""\n', ","),  # quoted blanks are values
        ("a,b\n1,2\n3\n", ","),  # a short row is padded with missing cells
        ("a,b\r1,2\r3,4\r", ","),  # old Mac line ends
        ("a,b\r\n1,2\r\n", ","),
        ('a,b\n1,"x\n\ny"\n2,"say ""hi"", then go"\n', ","),
        ('a,b\n"1"x,2\n', ","),
        ("a,,c\n1,2,3\n", ","),  # an unnamed column
        ("a,b,\n1,2,3\n", ","),
        ("a, b ,NA,nan\n1,2,3,4\n", ","),  # names are kept as written, never missing
    ],
)
def test_table_lays_cells_out_as_pandas_does(text, delimiter):
    table = _table(text, delimiter)
    frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False)
    assert list(table.columns) == list(frame.columns)
    assert table.rows == len(frame)
    assert {name: cells for name, cells in table.columns.items()} == frame.to_dict("list")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b\n1,2\n3,4,5\n", r"expected 2 fields in line 3, saw 3"),
        ("a,b\n1,2\n\n3,4,5\n", r"expected 2 fields in line 4, saw 3"),  # as pandas counts
        ('a,b\n1,"x\ny"\n3,4,5\n', r"expected 2 fields in line 3, saw 3"),
        ("a,b\n1,2,3\n", r"expected 2 fields in line 2, saw 3"),  # pandas: shifted columns
        ('a,b\n1,"2\n', r"the quoted field that starts in line 2 is never closed"),
        ("a,a,b\n1,2,3\n", r"duplicate column names \['a'\]"),
        (",,b\n1,2,3\n", r"duplicate column names \[''\]"),
        ("\n \n", r"the file has no columns"),
    ],
)
def test_unusable_tables_are_refused(text, message):
    with pytest.raises(IntakeError, match=message):
        _table(text)


def test_header_skips_blank_lines():
    assert header(CsvText(Path("data.csv"), "\n\na;b\n1;2\n", "utf-8", ";")) == ["a", "b"]
