"""Read a user's CSV file the way the template needs it: any common encoding or delimiter.

The hooks accept UTF-8 (with or without a byte-order mark), Windows-1252 and Latin-1 text,
separated by commas, semicolons, tabs or pipes, and write the project's copy as plain UTF-8
with commas, value for value, so the pipeline only ever reads one dialect.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "latin-1")
DELIMITERS = ",;\t|"
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


class IntakeError(ValueError):
    """The file cannot be used as a dataset; the message says why and what to do."""


@dataclass
class CsvText:
    """A CSV file decoded to text, with the dialect it was written in."""

    path: Path
    text: str
    encoding: str
    delimiter: str
    notes: list[str] = field(default_factory=list)

    @property
    def is_plain(self) -> bool:
        """True when the file already is UTF-8 without a byte-order mark, comma-separated."""
        return self.encoding == "utf-8" and self.delimiter == ","


def read_text(path: str | Path) -> CsvText:
    """Decode `path` and detect its delimiter; raise `IntakeError` on an unusable file."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise IntakeError(f"{path}: no such file")
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise IntakeError(f"{path}: cannot be read ({err.strerror})") from err
    if not raw.strip():
        raise IntakeError(f"{path}: the file is empty")
    if b"\x00" in raw[:65536]:
        raise IntakeError(
            f"{path}: binary content, not a CSV text file (a spreadsheet? export it as CSV)"
        )
    for encoding in ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        break
    notes = []
    if encoding == "utf-8" and text.startswith("\ufeff"):
        encoding, text = "utf-8-sig", text[1:]
    if encoding != "utf-8":
        notes.append(f"decoded as {encoding} and written as UTF-8")
    delimiter = _sniff_delimiter(text)
    if delimiter != ",":
        notes.append(f"{_DELIMITER_NAMES[delimiter]}-separated: written comma-separated")
    return CsvText(path, text, encoding, delimiter, notes)


def _sniff_delimiter(text: str) -> str:
    head = "\n".join(text.splitlines()[:50])
    try:
        return csv.Sniffer().sniff(head, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def header(csv_text: CsvText) -> list[str]:
    """The column names of the file's first line, as written."""
    return next(csv.reader(io.StringIO(csv_text.text), delimiter=csv_text.delimiter), [])


def duplicate_columns(names: list[str]) -> list[str]:
    """Names that appear more than once, in first-seen order."""
    seen: set[str] = set()
    duplicates: list[str] = []
    for name in names:
        if name in seen and name not in duplicates:
            duplicates.append(name)
        seen.add(name)
    return duplicates


def as_plain_csv(csv_text: CsvText) -> str:
    """The file's rows re-written as UTF-8, comma-separated CSV, every value unchanged."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(csv.reader(io.StringIO(csv_text.text), delimiter=csv_text.delimiter))
    return out.getvalue()


def load_frame(csv_text: CsvText):
    """Parse the file with pandas (imported here: the default bake does not need it)."""
    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(csv_text.text), sep=csv_text.delimiter)
    except pd.errors.ParserError as err:
        raise IntakeError(f"{csv_text.path}: not a well-formed CSV file ({err})") from err
    except pd.errors.EmptyDataError as err:
        raise IntakeError(f"{csv_text.path}: the file has no columns") from err
