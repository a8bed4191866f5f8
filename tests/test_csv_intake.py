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
    rows = [["Name (full)", "Code", "Note"], ["Zoë", "1,50", "a; b"], ["007", "x", "y"]]
    with path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    text = read_text(path)
    assert (text.encoding, text.delimiter, text.decimal_columns) == ("cp1252", ";", ())
    assert text.notes == ["decoded as cp1252", "semicolon-separated"]
    assert list(csv.reader(io.StringIO(as_plain_csv(text)))) == rows


def _european_export(path: Path, rows: list[list[str]]) -> Path:
    """`rows` as Excel writes them in much of Europe: cp1252, semicolons, CRLF."""
    with path.open("w", encoding="cp1252", newline="") as handle:
        csv.writer(handle, delimiter=";").writerows(rows)
    return path


def test_decimal_commas_are_read_as_numbers_and_said(tmp_path):
    path = _european_export(
        tmp_path / "export.csv",
        [
            ["Température (°C)", "Prix (€)", "Pièces", "Date", "Code"],
            ["21,5", "1.234,50", "3", "31.12.2024", "1,5 mm"],
            ["-0,25", "12", "4", "01.01.2025", "x"],
            ["", "NA", "5", "02.01.2025", "2,5"],
        ],
    )
    text = read_text(path)
    assert text.decimal_columns == (0, 1)
    assert (
        text.notes[-1] == "decimal commas read as decimal points in 'Température (°C)', 'Prix (€)'"
    )
    plain = pd.read_csv(io.StringIO(as_plain_csv(text)))
    assert plain["Température (°C)"].tolist()[:2] == [21.5, -0.25]
    assert plain["Prix (€)"].tolist()[:2] == [1234.5, 12.0] and plain["Prix (€)"].isna().iloc[2]
    assert plain["Pièces"].tolist() == [3, 4, 5]
    assert plain["Date"].tolist() == ["31.12.2024", "01.01.2025", "02.01.2025"]
    assert plain["Code"].tolist() == ["1,5 mm", "x", "2,5"]  # text: left as written
    # What the bake checks the target with sees the numbers too.
    assert load_table(text).columns["Température (°C)"] == ["21.5", "-0.25", ""]


def test_points_in_a_semicolon_file_are_left_alone(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a;b\n1.5;2\n3.25;4\n", encoding="utf-8")
    text = read_text(path)
    assert text.decimal_columns == () and text.notes == ["semicolon-separated"]
    assert as_plain_csv(text) == "a,b\n1.5,2\n3.25,4\n"


def test_a_comma_separated_file_never_has_decimal_commas(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text('a,b\n"1,5",2\n"3,5",4\n', encoding="utf-8")
    text = read_text(path)
    assert text.is_plain and text.decimal_columns == ()


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
