"""Reading users' CSV files: encodings, delimiters and unusable files."""

from __future__ import annotations

import csv
import io

import pytest
from csv_intake import IntakeError, as_plain_csv, duplicate_columns, header, read_text


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
