"""The report's plots, as Mermaid charts GitHub draws in the comment itself: no image, no host.

A ROC curve (classification) or a predicted-vs-actual chart (regression), this change against
the champion, then the change's confusion matrix as a Markdown table. Pure: the figures come in
(`plot_files` reads them), Markdown lines go out.

A chart holds numbers and fixed English words chosen here, never a value from the project, so
nothing in a project can write Mermaid syntax. Class labels only appear in the confusion table,
written through `markdown`. Every number is written in plain decimals (Mermaid's xychart reads
no exponent), and only finite ones are drawn.

xychart (Mermaid's `xychart-beta`) spreads a line's values evenly along its x axis and has no
legend. Before Mermaid 11.17 it placed the values by adding up the step from the axis' start
(`0.05` added up twenty times is a hair over `1`, so the last value was dropped). So a ROC curve
is sampled on an even grid of false positive rates (`roc_on_grid`) and drawn on a 0 → 100 %
axis, whose steps are whole numbers (`ROC_STEPS` divides 100); predicted vs actual is drawn
against the groups' numbers 1, 2, …. A caption under each chart says which colour is which.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .markdown import cell_code

ROC_STEPS = 20
"""A ROC curve is drawn at false positive rates 0, 5 %, …, 100 % (a divisor of 100: see above)."""
BINS = 10
"""Predicted vs actual: the test rows in this many equal groups by actual value."""
MAX_CLASSES = 12
"""A confusion table shows at most this many classes (the most frequent actual ones) and
sums the rest in an *other* row and column."""
LABEL_CHARS = 20
"""A class label longer than this is cut in its middle (with `…`) in the table."""
MAX_DECIMALS = 12

CHANGE_COLOUR = "#2563eb"  # blue
CHAMPION_COLOUR = "#f97316"  # orange
REFERENCE_COLOUR = "#9ca3af"  # grey: chance, or the ideal line
_KEY = {
    CHANGE_COLOUR: "🟦 blue: this change",
    CHAMPION_COLOUR: "🟧 orange: the champion",
}


@dataclass
class Curves:
    """What one model's plots hold; each is None when its file is absent.

    `roc`: (fpr, tpr) points sorted by fpr, as in a project's `plots/roc.csv`.
    `confusion`: the class labels and `counts[actual][predicted]`, in the labels' order.
    `pred_actual`: (mean actual, mean predicted) of each group of test rows, by actual value
    (see `binned_means`).
    """

    roc: list[tuple[float, float]] | None = None
    confusion: tuple[list[str], list[list[int]]] | None = None
    pred_actual: list[tuple[float, float]] | None = None


# --- thinning -------------------------------------------------------------------------------


def roc_on_grid(points: Iterable[tuple[float, float]], steps: int = ROC_STEPS) -> list[float]:
    """The true positive rate at false positive rates 0, 1/steps, …, 1 (`steps + 1` values).

    A ROC curve is a step curve: at rate x it is the highest tpr among the points with
    fpr <= x (0 before the first point). Values are clamped to [0, 1] and rounded to 3
    decimals; points with a missing or infinite coordinate are ignored. No points: [].
    """
    if steps < 1:
        raise ValueError(f"steps must be at least 1, not {steps}")
    finite = sorted((f, t) for f, t in points if math.isfinite(f) and math.isfinite(t))
    if not finite:
        return []
    grid, best, index = [], 0.0, 0
    for step in range(steps + 1):
        rate = step / steps
        while index < len(finite) and finite[index][0] <= rate:
            best = max(best, finite[index][1])
            index += 1
        grid.append(round(min(max(best, 0.0), 1.0), 3))
    return grid


def binned_means(
    actual: Sequence[float], predicted: Sequence[float], bins: int = BINS
) -> list[tuple[float, float]]:
    """(mean actual, mean predicted) of each of `bins` equal-count groups of rows, sorted by
    actual value (then predicted, so ties split the same way whatever the rows' order).

    Row i goes to group `i * bins // n` of the sorted rows; with fewer rows than `bins`, each
    row is a group. Rows with a missing or infinite value are left out. No rows: [].
    """
    if len(actual) != len(predicted):
        raise ValueError(f"{len(actual)} actual values but {len(predicted)} predicted")
    if bins < 1:
        raise ValueError(f"bins must be at least 1, not {bins}")
    rows = sorted(
        (float(a), float(p))
        for a, p in zip(actual, predicted, strict=True)
        if math.isfinite(a) and math.isfinite(p)
    )
    count = len(rows)
    bins = min(bins, count)
    means = []
    for group in range(bins):
        chunk = rows[group * count // bins : (group + 1) * count // bins]
        means.append(
            (
                math.fsum(a for a, _ in chunk) / len(chunk),
                math.fsum(p for _, p in chunk) / len(chunk),
            )
        )
    return means


def counts_matrix(pairs: Mapping[tuple[str, str], int]) -> tuple[list[str], list[list[int]]]:
    """Labels (sorted, every label seen as actual or predicted) and `counts[actual][predicted]`
    from how often each (actual, predicted) pair occurs."""
    labels = sorted({label for pair in pairs for label in pair})
    position = {label: index for index, label in enumerate(labels)}
    counts = [[0] * len(labels) for _ in labels]
    for (actual, predicted), count in pairs.items():
        counts[position[actual]][position[predicted]] += count
    return labels, counts


# --- numbers for Mermaid --------------------------------------------------------------------


def _decimal(value: float, decimals: int) -> str:
    """`value` in plain decimals (never an exponent), without trailing zeros; never `-0`."""
    written = f"{value:.{decimals}f}"
    if "." in written:
        written = written.rstrip("0").rstrip(".")
    return "0" if written in ("-0", "") else written


def _numbers(values: Iterable[float], decimals: int) -> str:
    return "[" + ", ".join(_decimal(v, decimals) for v in values) + "]"


def _palette_directive(colours: list[str]) -> str:
    # Only the fixed colours above go in.
    theme = {"themeVariables": {"xyChart": {"plotColorPalette": ", ".join(colours)}}}
    return "%%{init: " + json.dumps(theme) + "}%%"


def _chart(colours: list[str], body: list[str]) -> list[str]:
    return ["```mermaid", _palette_directive(colours), "xychart-beta", *body, "```"]


def _caption(colours: list[str], reference: str) -> str:
    keys = [_KEY.get(colour, f"⬜ grey: {reference}") for colour in colours]
    return "Lines: " + " · ".join(keys) + "."


# --- charts ---------------------------------------------------------------------------------


def roc_chart(change: list[float], champion: list[float] | None) -> list[str]:
    """A ROC chart: this change's tpr values (from `roc_on_grid`), the champion's when given,
    and the diagonal of a random guess, on 0–100 % axes; a caption line names the colours.

    No values (fewer than two): no chart. The champion's values must be on the same grid.
    """
    if len(change) < 2:
        return []
    if champion is not None and len(champion) != len(change):
        raise ValueError(
            f"the champion's ROC has {len(champion)} values, the change's {len(change)}"
        )
    last = len(change) - 1
    chance = [100 * step / last for step in range(last + 1)]
    colours = [REFERENCE_COLOUR, CHANGE_COLOUR] + ([CHAMPION_COLOUR] if champion else [])
    body = [
        '    title "ROC curve (test set)"',
        '    x-axis "false positive rate (%)" 0 --> 100',
        '    y-axis "true positive rate (%)" 0 --> 100',
        f"    line {_numbers(chance, 1)}",
        f"    line {_numbers((100 * v for v in change), 1)}",
    ]
    if champion:
        body.append(f"    line {_numbers((100 * v for v in champion), 1)}")
    return _chart(colours, body) + [_caption(colours, "chance (a random guess)")]


def _finite_pairs(points: Iterable[tuple[float, float]]) -> list[tuple[float, float]]:
    return [(a, p) for a, p in points if math.isfinite(a) and math.isfinite(p)]


def _value_axis(values: list[float]) -> tuple[float, float, float, int, str]:
    """(low, high, scale, decimals, unit) for a y axis that holds `values`, with a margin.

    Values are divided by `scale`, a power of 1000 when they are very large or very small
    (the unit says which), and written with enough decimals to tell them apart.
    """
    low, high = min(values), max(values)
    largest = max(abs(low), abs(high))
    power = 0
    if largest >= 1e6 or 0 < largest < 1e-3:
        power = 3 * math.floor(math.log10(largest) / 3)
    scale = 10.0**power
    low, high = low / scale, high / scale
    span = high - low
    margin = span * 0.05 if span > 0 else max(abs(high) * 0.1, 1.0)
    low, high = low - margin, high + margin
    decimals = min(max(3 - math.floor(math.log10(high - low)), 0), MAX_DECIMALS)
    step = 10.0**-decimals
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    unit = f" (× 10^{power})" if power else ""
    return low, high, scale, decimals, unit


def pred_actual_chart(
    change: list[tuple[float, float]], champion: list[tuple[float, float]] | None
) -> list[str]:
    """Predicted vs actual: for each group of test rows by actual value (`binned_means`), the
    mean actual (the ideal) and each model's mean prediction; a caption names the colours.

    Fewer than two groups: no chart. The champion is drawn when it has as many groups as the
    change (its groups sit on the same axis); the caption says when it is left out.
    """
    change = _finite_pairs(change)
    if len(change) < 2:
        return []
    shown = _finite_pairs(champion or [])
    note = ""
    if shown and len(shown) != len(change):
        note = (
            f" The champion is left out: its test set made {len(shown)} groups, not {len(change)}."
        )
        shown = []
    every = [v for pair in change + shown for v in pair]
    low, high, scale, decimals, unit = _value_axis(every)
    colours = [REFERENCE_COLOUR, CHANGE_COLOUR] + ([CHAMPION_COLOUR] if shown else [])
    body = [
        '    title "Predicted vs actual (test set)"',
        f'    x-axis "group of test rows, by actual value" 1 --> {len(change)}',
        f'    y-axis "mean value{unit}" {_decimal(low, decimals)} --> {_decimal(high, decimals)}',
        f"    line {_numbers((a / scale for a, _ in change), decimals)}",
        f"    line {_numbers((p / scale for _, p in change), decimals)}",
    ]
    if shown:
        body.append(f"    line {_numbers((p / scale for _, p in shown), decimals)}")
    caption = (
        f"The test rows in {len(change)} equal groups from the lowest actual values to the "
        "highest; each line is a group's mean. " + _caption(colours, "actual (a perfect model)")
    )
    return _chart(colours, body) + [caption + note]


# --- confusion table ------------------------------------------------------------------------


def _label(label: str) -> str:
    """A label as a table cell's code, its middle cut when it is long (labels often differ
    only at their ends: `customer_segment_a`, `customer_segment_b`)."""
    if len(label) > LABEL_CHARS:
        head = LABEL_CHARS // 2
        label = label[:head] + "…" + label[len(label) - (LABEL_CHARS - head - 1) :]
    return cell_code(label)


def _fold(
    labels: list[str], counts: list[list[int]], keep: int
) -> tuple[list[str], list[list[int]], bool]:
    """The `keep` most frequent actual classes (ties: in label order), and whether the rest
    are summed in a last row and column (then the last row and column are *other*)."""
    if len(labels) <= keep:
        return labels, counts, False
    totals = [sum(row) for row in counts]
    chosen = sorted(sorted(range(len(labels)), key=lambda i: -totals[i])[:keep])
    kept = set(chosen)
    groups = [[i] for i in chosen] + [[i for i in range(len(labels)) if i not in kept]]
    folded = [
        [sum(counts[a][p] for a in rows for p in columns) for columns in groups] for rows in groups
    ]
    return [labels[i] for i in chosen], folded, True


def confusion_table(labels: list[str], counts: list[list[int]]) -> list[str]:
    """The confusion matrix as a Markdown table: a row per actual class, a column per predicted
    one, right answers in bold. Labels are written as code, cut at `LABEL_CHARS`. Cells have
    no padding: a table of 13 columns of counts stays small.

    With more than `MAX_CLASSES` classes it shows the most frequent actual classes and sums
    the others in an *other* row and column, and says so. No classes: no table.
    """
    if not labels:
        return []
    shown, table, folded = _fold(labels, counts, MAX_CLASSES)
    names = [_label(label) for label in shown] + (["*other*"] if folded else [])
    lines = [
        "Confusion matrix (test set): a row per actual class, a column per predicted class;"
        " right answers in bold.",
    ]
    if folded:
        rest = len(labels) - len(shown)
        lines.append(
            f"The {len(shown)} most frequent actual classes of {len(labels):,};"
            + (" the other one is" if rest == 1 else f" the other {rest:,} are")
            + " summed in *other*."
        )
    lines += [
        "",
        "|actual ↓ predicted →|" + "".join(f"{name}|" for name in names),
        "|---|" + "---:|" * len(names),
    ]
    for row_index, (name, row) in enumerate(zip(names, table, strict=True)):
        cells = [
            f"**{count:,}**" if column == row_index and name != "*other*" else f"{count:,}"
            for column, count in enumerate(row)
        ]
        lines.append(f"|{name}|" + "".join(f"{cell}|" for cell in cells))
    return lines


# --- the section ----------------------------------------------------------------------------


def charts_section(change: Curves, champion: Curves | None) -> list[str]:
    """The body of the report's "Plots" section: the ROC chart (else predicted vs actual),
    this change against the champion, then the change's confusion table. [] when there is
    nothing to plot."""
    champion = champion or Curves()
    parts: list[list[str]] = []
    if change.roc:
        theirs = roc_on_grid(champion.roc) if champion.roc else []
        parts.append(roc_chart(roc_on_grid(change.roc), theirs or None))
    elif change.pred_actual:
        parts.append(pred_actual_chart(change.pred_actual, champion.pred_actual))
    if change.confusion:
        parts.append(confusion_table(*change.confusion))
    lines: list[str] = []
    for part in filter(None, parts):
        lines += ([""] if lines else []) + part
    return lines
