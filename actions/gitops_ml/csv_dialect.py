"""How a CSV file is written, detected from the file: encoding, delimiter and decimal mark.

One implementation for every reader of a user's files. The bake uses it to copy the user's
CSV into the project as plain UTF-8, comma-separated, with decimal points; `predict` and the
toolkit's drift check use it to read later files of the same kind as they come (a Windows
export in cp1252, a European spreadsheet's `;` and decimal commas). Standard library only:
the bake runs in whatever Python runs cookiecutter.

As a command, it rewrites such a file as the plain CSV the pipeline's `validate` reads:
`python -m gitops_ml.csv_dialect SOURCE [DESTINATION]` (in place when no
destination is given).
"""

from __future__ import annotations

import argparse
import codecs
import csv
import io
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

ENCODINGS = ("utf-8", "cp1252", "latin-1")
"""Tried in this order; latin-1 decodes any bytes, so it is the last resort."""
DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SAMPLE_BYTES = 1 << 20
"""The delimiter and the decimal mark are decided from the file's first MiB."""
BLOCK_BYTES = 1 << 20
NA_VALUES = frozenset(
    {"", "NA", "N/A", "n/a", "NaN", "nan", "-NaN", "-nan", "NULL", "null", "None", "<NA>"}
    | {"#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "1.#IND", "1.#QNAN"}
)
"""The cells `pandas.read_csv` reads as missing by default: exactly these, spaces included."""

# A number written with a decimal comma, optionally with dots between thousands: 3,5  -0,25
# 1.234,56  1.234 (thousands only, taken as such only in a column that has decimal commas).
_COMMA_DECIMAL = re.compile(r"\s*[+-]?(\d+|\d{1,3}(\.\d{3})+),\d+\s*")
_COMMA_NUMBER = re.compile(r"\s*[+-]?(\d+|\d{1,3}(\.\d{3})+)(,\d+)?\s*")


@dataclass(frozen=True)
class Dialect:
    """How one CSV file is written.

    `decimal_columns` are the positions of the columns written with decimal commas (only
    detected in files not separated by commas); their numbers are read with a decimal point.
    """

    encoding: str
    delimiter: str
    decimal_columns: tuple[int, ...] = ()
    decimal_names: tuple[str, ...] = ()

    @property
    def is_plain(self) -> bool:
        """UTF-8 without a byte-order mark, comma-separated, decimal points: read as it is."""
        return self.encoding == "utf-8" and self.delimiter == "," and not self.decimal_columns

    def notes(self) -> list[str]:
        """What reading the file this way changes, one phrase each (empty for a plain file)."""
        notes = []
        if self.encoding != "utf-8":
            notes.append(f"decoded as {self.encoding}")
        if self.delimiter != ",":
            notes.append(f"{DELIMITER_NAMES[self.delimiter]}-separated")
        if self.decimal_names:
            names = ", ".join(repr(name) for name in self.decimal_names[:5])
            more = f" and {len(self.decimal_names) - 5} more" if len(self.decimal_names) > 5 else ""
            notes.append(f"decimal commas read as decimal points in {names}{more}")
        return notes


def _open(source: Path | bytes) -> BinaryIO:
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")  # noqa: SIM115


def detect_encoding(source: Path | bytes) -> str:
    """The first of `ENCODINGS` that decodes the whole file ("utf-8-sig" when it has a BOM).

    The file is decoded a block at a time, so a large file is checked without being held.
    """
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        with _open(source) as handle:
            first = handle.read(3)
            bom = encoding == "utf-8" and first == codecs.BOM_UTF8
            try:
                decoder.decode(b"" if bom else first)
                for block in iter(lambda: handle.read(BLOCK_BYTES), b""):  # noqa: B023
                    decoder.decode(block)
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                continue
        return "utf-8-sig" if bom else encoding
    raise AssertionError("latin-1 decodes any bytes")  # pragma: no cover


def sample_text(source: Path | bytes, encoding: str) -> str:
    """The file's first `SAMPLE_BYTES`, decoded, cut after its last whole line."""
    with _open(source) as handle:
        head = handle.read(SAMPLE_BYTES)
        complete = not handle.read(1)
    text = codecs.getincrementaldecoder(encoding)().decode(head, final=complete)
    if not complete and "\n" in text:
        text = text[: text.rindex("\n") + 1]
    return text


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first 50 lines: comma, semicolon, tab or pipe (comma if unsure)."""
    head = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(head, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def decimal_comma_columns(records: list[list[str]]) -> tuple[int, ...]:
    """Positions of the columns of `records` (header first) written with decimal commas.

    A column qualifies when every cell is missing (as pandas reads missing, e.g. "" or "NA")
    or a number in the decimal-comma style, and at least one cell has a decimal comma.
    """
    if len(records) < 2:
        return ()
    width = len(records[0])
    found = []
    for position in range(width):
        cells = [r[position] for r in records[1:] if position < len(r)]
        present = [cell for cell in cells if cell not in NA_VALUES]
        if (
            present
            and any(_COMMA_DECIMAL.fullmatch(cell) for cell in present)
            and all(_COMMA_NUMBER.fullmatch(cell) for cell in present)
        ):
            found.append(position)
    return tuple(found)


def detect(source: Path | bytes) -> Dialect:
    """Detect how the file (a path, or its bytes) is written."""
    encoding = detect_encoding(source)
    text = sample_text(source, encoding)
    delimiter = sniff_delimiter(text)
    if delimiter == ",":  # a decimal comma would split the field: only quoted ones could exist
        return Dialect(encoding, delimiter)
    try:
        records = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter) if r]
    except csv.Error:
        return Dialect(encoding, delimiter)  # the reader that reads it whole says what is wrong
    columns = decimal_comma_columns(records)
    names = tuple(records[0][p] for p in columns) if records else ()
    return Dialect(encoding, delimiter, columns, names)


def plain_number(cell: str) -> str:
    """A decimal-comma number written with a decimal point ("1.234,5" -> "1234.5"); any other
    cell unchanged."""
    if not _COMMA_NUMBER.fullmatch(cell):
        return cell
    return cell.replace(".", "").replace(",", ".")


def plain_record(record: list[str], decimal_columns: tuple[int, ...]) -> list[str]:
    """`record` with the numbers in its `decimal_columns` (positions) made plain, in place."""
    for position in decimal_columns:
        if position < len(record):
            record[position] = plain_number(record[position])
    return record


def plain_chunks(source: Path | bytes, dialect: Dialect, rows: int) -> Iterator[str]:
    """The file as plain CSV text (UTF-8 text, commas, decimal points), `rows` rows at a time,
    each chunk starting with the header line, ready for `pandas.read_csv`."""
    with _open(source) as handle:
        text = io.TextIOWrapper(handle, encoding=dialect.encoding, newline="")
        reader = csv.reader(text, delimiter=dialect.delimiter)
        header = next(reader, None)
        if header is None:
            return
        head = _write([header])
        batch: list[list[str]] = []
        for record in reader:
            if record:  # a blank line, which pandas would skip
                batch.append(plain_record(record, dialect.decimal_columns))
            if len(batch) == rows:
                yield head + _write(batch)
                batch = []
        if batch:
            yield head + _write(batch)


def _write(records: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(records)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """The command: rewrite a CSV file as UTF-8, comma-separated, with decimal points."""
    from .stage import atomic_write  # not needed by the bake, which runs this module alone

    parser = argparse.ArgumentParser(prog="csv_dialect", description=main.__doc__)
    parser.add_argument("source", type=Path)
    parser.add_argument("destination", type=Path, nargs="?", help="default: SOURCE, rewritten")
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"csv_dialect: error: {args.source}: no such file", file=sys.stderr)
        return 1
    dialect = detect(args.source)
    destination = args.destination or args.source
    if dialect.is_plain:
        print(f"{args.source} is already UTF-8, comma-separated, with decimal points")
        return 0
    try:
        text = next(plain_chunks(args.source, dialect, sys.maxsize), "")
    except csv.Error as err:
        print(f"csv_dialect: error: {args.source}: not well-formed ({err})", file=sys.stderr)
        return 1
    atomic_write(destination, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    print(f"{args.source} ({'; '.join(dialect.notes())}) written to {destination} as plain CSV")
    return 0


if __name__ == "__main__":
    sys.exit(main())
