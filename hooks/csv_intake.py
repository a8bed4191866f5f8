"""Read a user's CSV file the way the template needs it: any common encoding or delimiter.

The hooks accept UTF-8 (with or without a byte-order mark), Windows-1252 and Latin-1 text,
separated by commas, semicolons, tabs or pipes, with decimal points or (European spreadsheets)
decimal commas, and write the project's copy as plain UTF-8 with commas and decimal points.
How a file is written is detected by the gitops-ml library's `csv_dialect` module, so the bake
and the project's `predict` read a file of the same kind the same way.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType


def _library_module(name: str) -> ModuleType:
    """A standard-library module of the gitops-ml library (`actions/gitops_ml/`), run from
    its source.

    Compiled in memory, not imported: an import would write `__pycache__` into the template's
    `actions/`, and the hooks write nothing into the template.
    """
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parents[1] / "actions" / "gitops_ml" / f"{name}.py"
    module = ModuleType(name)
    module.__file__ = str(path)
    sys.modules[name] = module  # dataclasses look their module up while it is executed
    exec(compile(path.read_text(encoding="utf-8"), path, "exec"), module.__dict__)
    return module


csv_dialect = _library_module("csv_dialect")


class IntakeError(ValueError):
    """The file cannot be used as a dataset; the message says why and what to do."""


@dataclass
class CsvText:
    """A CSV file decoded to text, with the dialect it was written in.

    `decimal_columns` are the positions of columns written with decimal commas: their cells
    are read with decimal points.
    """

    path: Path
    text: str
    encoding: str
    delimiter: str
    decimal_columns: tuple[int, ...] = ()
    notes: list[str] = field(default_factory=list)

    @property
    def is_plain(self) -> bool:
        """True when the file can be used as it is: UTF-8 without a byte-order mark, commas,
        decimal points."""
        return self.encoding == "utf-8" and self.delimiter == "," and not self.decimal_columns


def read_text(path: str | Path) -> CsvText:
    """Decode `path` and detect its dialect; raise `IntakeError` on an unusable file."""
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
    dialect = csv_dialect.detect(raw)
    text = raw.decode(dialect.encoding)
    return CsvText(
        path, text, dialect.encoding, dialect.delimiter, dialect.decimal_columns, dialect.notes()
    )


def read_plain(path: Path) -> CsvText:
    """A CSV file the project holds (UTF-8, comma-separated), read as its `validate` reads it."""
    return CsvText(path, path.read_bytes().decode("utf-8-sig"), "utf-8", ",")


def header(csv_text: CsvText) -> list[str]:
    """The column names as written: the first line that is not blank ([] when there is none)."""
    return next((record for _, record in _records(csv_text)), [])


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
    """The file's rows re-written as UTF-8, comma-separated CSV with decimal points (blank
    lines, which pandas skips, are left out); every other value unchanged."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(record for _, record in _records(csv_text))
    return out.getvalue()


@dataclass
class Table:
    """A CSV file's cells, laid out as `pandas.read_csv` (default options) lays them out.

    `columns` maps each column name to its cells, top to bottom, as written (a cell missing
    from a short row is ""); blank lines are skipped and an empty column name is read as
    "Unnamed: <position>", as pandas does. Typing the cells is `schema_inference`'s job.
    """

    columns: dict[str, list[str]]
    rows: int


def load_table(csv_text: CsvText) -> Table:
    """Parse the file into a `Table`; raise `IntakeError` where it cannot be used.

    Refused like pandas refuses them: a quoted field never closed, no header at all. Refused
    although pandas reads them: duplicate column names (pandas would rename them; the
    project's `validate` refuses them) and a row with more cells than the header (pandas
    would take the first such row's extra leading cells as row labels and shift the columns).
    """
    records = _records(csv_text)
    first = next(records, None)
    if first is None:
        raise IntakeError(f"{csv_text.path}: the file has no columns")
    names = [name or f"Unnamed: {i}" for i, name in enumerate(first[1])]
    duplicates = duplicate_columns(first[1]) or duplicate_columns(names)
    if duplicates:
        raise IntakeError(
            f"{csv_text.path}: duplicate column names {duplicates}: every column needs its own name"
        )
    cells: list[list[str]] = [[] for _ in names]
    rows = 0
    for line, record in records:
        if len(record) > len(names):
            raise IntakeError(
                f"{csv_text.path}: not a well-formed CSV file (expected {len(names)} fields"
                f" in line {line}, saw {len(record)})"
            )
        record += [""] * (len(names) - len(record))
        for column, cell in zip(cells, record, strict=True):
            column.append(cell)
        rows += 1
    return Table(dict(zip(names, cells, strict=True)), rows)


class _Lines:
    """The file's lines for `csv.reader`, with pandas' blank lines left out.

    pandas skips a line that is empty or holds only spaces and tabs (other than the
    delimiter), but only where a row starts: inside a quoted field it is part of the value.
    The caller sets `at_row_start` before asking the reader for each row; `skipped` counts
    the lines left out, and `unterminated` is set when the file ends inside a quoted field.
    """

    def __init__(self, csv_text: CsvText):
        self._lines = io.StringIO(csv_text.text, newline="")
        self._blank = "".join(set(" \t") - {csv_text.delimiter})
        self.at_row_start = True
        self.skipped = 0
        self.unterminated = False

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        for line in self._lines:
            if self.at_row_start and not line.rstrip("\r\n").strip(self._blank):
                self.skipped += 1
                continue
            self.at_row_start = False
            return line
        if not self.at_row_start:
            self.unterminated = True
        raise StopIteration


def _records(csv_text: CsvText) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of every row that is not blank, the header first.

    Lines are numbered as pandas numbers them in its messages: a row spread over several
    lines by a quoted line break counts once.
    """
    # pandas has no limit on a cell's length; the csv module's default is 128 KiB.
    csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))
    lines = _Lines(csv_text)
    reader = csv.reader(lines, delimiter=csv_text.delimiter)
    count = 0
    while True:
        lines.at_row_start = True
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise IntakeError(f"{csv_text.path}: not a well-formed CSV file ({err})") from err
        count += 1
        line = count + lines.skipped
        if lines.unterminated:
            raise IntakeError(
                f"{csv_text.path}: not a well-formed CSV file (the quoted field that starts"
                f" in line {line} is never closed)"
            )
        if count > 1 and csv_text.decimal_columns:
            csv_dialect.plain_record(record, csv_text.decimal_columns)
        yield line, record
