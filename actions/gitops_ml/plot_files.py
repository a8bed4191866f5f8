"""Reading a project's plot files into `charts.Curves`: the I/O side of the report's plots.

`evaluate` writes, under `plots/`:

| file | header | rows |
| --- | --- | --- |
| `roc.csv` | `fpr,tpr` | at most about 1,000 points of the ROC curve (classification) |
| `confusion.csv` | `actual,predicted` | one per test row: millions in a large project |
| `predictions.csv` | `actual,predicted,residual` | at most 5,000 test rows (regression) |

Each file is read as a stream with the `csv` module: the confusion file's rows are counted
(a `Counter` of label pairs), never held; the predictions are reduced to `charts.BINS` groups.
A file that is absent gives None. A malformed one (a missing column, a row of the wrong width,
a value that is not a number) raises `ProjectError`, naming the file and its line: the report
is expected to catch it, say so and go on without plots. An empty cell in `predictions.csv`
(pandas writes NaN so) leaves that row out.

More than `MAX_CONFUSION_CLASSES` distinct labels is a column that is not a class (an id, a
number): the confusion matrix is then None, and only the other plots are drawn.
"""

from __future__ import annotations

import csv
import io
import math
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

from .charts import Curves, binned_means, counts_matrix
from .project import CONFUSION_PLOT, PREDICTIONS_PLOT, ROC_PLOT, ProjectError

ROC = ROC_PLOT.as_posix()
CONFUSION = CONFUSION_PLOT.as_posix()
PREDICTIONS = PREDICTIONS_PLOT.as_posix()
PLOT_FILES = (ROC, CONFUSION, PREDICTIONS)
"""The plot files' names, relative to the project's folder."""
MAX_CONFUSION_CLASSES = 1000
"""Above this many labels no confusion matrix is made (it would hold their square)."""


def _rows(
    lines: Iterable[str], name: str, columns: tuple[str, ...]
) -> Iterator[tuple[int, list[str]]]:
    """(line number, the cells of `columns` in that order) for each data row; a missing column
    or a row of the wrong width is a `ProjectError` naming `name` and the line."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
        if header is None:
            raise ProjectError(f"{name}: empty (expected a header {','.join(columns)})")
        header = [cell.strip() for cell in header]
        if header:
            header[0] = header[0].removeprefix("\ufeff")
        missing = [column for column in columns if column not in header]
        if missing:
            raise ProjectError(
                f"{name}: line 1: no column {', '.join(missing)} in the header {','.join(header)}"
            )
        positions = [header.index(column) for column in columns]
        for row in reader:
            if not row:
                continue
            if len(row) != len(header):
                line, width = reader.line_num, len(header)
                raise ProjectError(f"{name}: line {line}: {len(row)} cells, the header has {width}")
            yield reader.line_num, [row[position] for position in positions]
    except csv.Error as err:
        raise ProjectError(f"{name}: line {reader.line_num}: not valid CSV ({err})") from err


def _number(cell: str, name: str, line: int) -> float:
    try:
        return float(cell)
    except ValueError:
        raise ProjectError(f"{name}: line {line}: {cell[:40]!r} is not a number") from None


def read_roc(lines: Iterable[str], name: str = ROC) -> list[tuple[float, float]]:
    """(fpr, tpr) points, sorted by fpr; rows with a NaN or infinite value are left out."""
    points = []
    for line, (fpr, tpr) in _rows(lines, name, ("fpr", "tpr")):
        point = (_number(fpr, name, line), _number(tpr, name, line))
        if math.isfinite(point[0]) and math.isfinite(point[1]):
            points.append(point)
    return sorted(points)


def read_confusion(
    lines: Iterable[str], name: str = CONFUSION
) -> tuple[list[str], list[list[int]]] | None:
    """Labels and `counts[actual][predicted]`, counted row by row (None: too many labels)."""
    pairs = Counter(
        (actual, predicted)
        for _, (actual, predicted) in _rows(lines, name, ("actual", "predicted"))
    )
    if len({label for pair in pairs for label in pair}) > MAX_CONFUSION_CLASSES:
        return None
    return counts_matrix(pairs)


def read_predictions(lines: Iterable[str], name: str = PREDICTIONS) -> list[tuple[float, float]]:
    """The (mean actual, mean predicted) of `charts.BINS` groups of rows (`binned_means`)."""
    actual, predicted = [], []
    for line, cells in _rows(lines, name, ("actual", "predicted")):
        if any(not cell.strip() for cell in cells):
            continue
        actual.append(_number(cells[0], name, line))
        predicted.append(_number(cells[1], name, line))
    return binned_means(actual, predicted)


_READERS = {ROC: read_roc, CONFUSION: read_confusion, PREDICTIONS: read_predictions}
_FIELDS = {ROC: "roc", CONFUSION: "confusion", PREDICTIONS: "pred_actual"}


def read_curves(files: Mapping[str, str]) -> Curves:
    """The curves in plot files given as texts keyed by their names (`PLOT_FILES`; other keys
    are ignored), e.g. the plot files a release carries."""
    found = {
        _FIELDS[name]: _READERS[name](io.StringIO(content, newline=""), name)
        for name, content in files.items()
        if name in _READERS
    }
    return Curves(**found)


def read_curves_from(folder: Path) -> Curves:
    """The curves in the plot files present in a project's `folder` (streamed from disk)."""
    found = {}
    for name in PLOT_FILES:
        path = folder / name
        if not path.is_file():
            continue
        try:
            with path.open(encoding="utf-8", newline="") as lines:
                found[_FIELDS[name]] = _READERS[name](lines, name)
        except UnicodeDecodeError as err:
            raise ProjectError(f"{name}: not UTF-8 text ({err.reason})") from err
    return Curves(**found)
