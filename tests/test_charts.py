"""The report's plots (`gitops_ml.charts`, `gitops_ml.plot_files`): thinning and counting with
figures worked by hand, every chart the module can write parsed by Mermaid's own parser (and a
broken one rejected by it), hostile class labels inert in the confusion table, the fallback for
many classes, the section's size, and the plot files read as a stream."""

from __future__ import annotations

import io
import math
import re
import tracemalloc
from collections import Counter

import pytest
from gitops_ml.charts import (
    BINS,
    LABEL_CHARS,
    MAX_CLASSES,
    ROC_STEPS,
    Curves,
    binned_means,
    charts_section,
    confusion_table,
    counts_matrix,
    pred_actual_chart,
    roc_chart,
    roc_on_grid,
)
from gitops_ml.markdown import WORD_JOINER, one_line
from gitops_ml.plot_files import (
    CONFUSION,
    MAX_CONFUSION_CLASSES,
    PREDICTIONS,
    ROC,
    read_confusion,
    read_curves,
    read_curves_from,
)
from gitops_ml.project import ProjectError
from markdown_checks import HOSTILE, assert_inert, code_spans, table_widths
from mermaid_checks import mermaid_blocks, parse_failures

# --- thinning, binning, counting ------------------------------------------------------------

ROC_A = [(0.0, 0.0), (0.1, 0.5), (0.3, 0.8), (1.0, 1.0)]
ROC_B = [(0.0, 0.0), (0.0, 0.4), (0.5, 0.9), (1.0, 1.0)]


def test_roc_on_grid_is_the_step_curve_at_each_rate():
    # at x: the highest tpr among the points with fpr <= x
    assert roc_on_grid(ROC_A, steps=10) == [0.0, 0.5, 0.5] + [0.8] * 7 + [1.0]
    assert roc_on_grid(ROC_B, steps=2) == [0.4, 0.9, 1.0]  # two points at fpr 0: the higher
    assert roc_on_grid(list(reversed(ROC_A)), steps=10) == roc_on_grid(ROC_A, steps=10)
    assert len(roc_on_grid(ROC_A)) == ROC_STEPS + 1


def test_roc_on_grid_rounds_clamps_and_skips_what_is_not_a_point():
    assert roc_on_grid([(0.0, 0.12345), (1.0, 0.98765)], steps=1) == [0.123, 0.988]
    assert roc_on_grid([(0.0, 0.5), (0.5, math.nan), (math.inf, 1.0)], steps=2) == [0.5] * 3
    assert roc_on_grid([(0.0, 1.5)], steps=1) == [1.0, 1.0]
    assert roc_on_grid([(0.5, 0.7)], steps=2) == [0.0, 0.7, 0.7]  # nothing before its fpr
    assert roc_on_grid([]) == [] and roc_on_grid([(math.nan, 0.5)]) == []
    with pytest.raises(ValueError):
        roc_on_grid(ROC_A, steps=0)


def test_binned_means_are_the_means_of_equal_groups_by_actual_value():
    actual = [7, 3, 10, 1, 5, 9, 2, 8, 4, 6]
    predicted = [2 * a for a in actual]
    assert binned_means(actual, predicted, bins=5) == [
        (1.5, 3.0),
        (3.5, 7.0),
        (5.5, 11.0),
        (7.5, 15.0),
        (9.5, 19.0),
    ]
    # 7 rows in 3 groups: rows 0-1, 2-3, 4-6 of the sorted rows
    assert binned_means([1, 2, 3, 4, 5, 6, 7], [0] * 7, bins=3) == [
        (1.5, 0.0),
        (3.5, 0.0),
        (6.0, 0.0),
    ]
    assert binned_means([3, 1, 2], [30, 10, 20]) == [(1.0, 10.0), (2.0, 20.0), (3.0, 30.0)]
    assert len(binned_means(list(range(100)), list(range(100)))) == BINS


def test_binned_means_leave_out_what_is_not_a_number_and_split_ties_the_same_way():
    assert binned_means([1, math.nan, 2, 3], [1, 5, math.inf, 3], bins=2) == [
        (1.0, 1.0),
        (3.0, 3.0),
    ]
    assert binned_means([], []) == []
    assert binned_means([1, 1, 1, 1], [4, 3, 2, 1], bins=2) == [(1.0, 1.5), (1.0, 3.5)]
    with pytest.raises(ValueError):
        binned_means([1, 2], [1])


def confusion_counts(actual: list[str], predicted: list[str]):
    return counts_matrix(Counter(zip(actual, predicted, strict=True)))


def test_confusion_counts_rows_actual_columns_predicted_labels_sorted():
    labels, counts = confusion_counts(["b", "a", "a", "c", "b"], ["b", "a", "b", "a", "b"])
    assert labels == ["a", "b", "c"]
    assert counts == [[1, 1, 0], [0, 2, 0], [1, 0, 0]]
    # a label only ever predicted is a class too
    assert confusion_counts(["x"], ["y"]) == (["x", "y"], [[0, 1], [0, 0]])
    assert counts_matrix({("a", "b"): 3, ("b", "b"): 2}) == (["a", "b"], [[0, 3], [0, 2]])


# --- every chart, through Mermaid's parser --------------------------------------------------


def _regression(n: int, slope: float, offset: float, scale: float = 1.0) -> list[tuple]:
    actual = [scale * (i - n / 3) for i in range(n)]
    return binned_means(actual, [slope * a + offset * scale for a in actual])


CHARTS = {
    "roc with champion": roc_chart(roc_on_grid(ROC_A), roc_on_grid(ROC_B)),
    "roc alone": roc_chart(roc_on_grid(ROC_A), None),
    "roc of one point": roc_chart(roc_on_grid([(0.0, 0.0)]), None),
    "roc of one inner point": roc_chart(roc_on_grid([(0.5, 0.7)]), roc_on_grid(ROC_B)),
    "roc perfect": roc_chart(roc_on_grid([(0.0, 0.0), (0.0, 1.0), (1.0, 1.0)]), None),
    "roc on a coarse grid": roc_chart(roc_on_grid(ROC_A, steps=4), roc_on_grid(ROC_B, steps=4)),
    "regression with champion": pred_actual_chart(_regression(500, 0.9, 2), _regression(500, 1, 5)),
    "regression alone": pred_actual_chart(_regression(500, 0.9, 2), None),
    "regression all predictions equal": pred_actual_chart(
        binned_means(list(range(50)), [7.0] * 50), None
    ),
    "regression all values equal": pred_actual_chart(binned_means([3.0] * 9, [3.0] * 9), None),
    "regression all zero": pred_actual_chart(binned_means([0.0] * 9, [0.0] * 9), None),
    "regression negative": pred_actual_chart(_regression(100, 1.1, -50), _regression(100, 1, -40)),
    "regression huge": pred_actual_chart(_regression(100, 1.0, 1e3, scale=1e12), None),
    "regression tiny": pred_actual_chart(_regression(100, 1.0, 1e-3, scale=1e-9), None),
    "regression two rows": pred_actual_chart(binned_means([1, 2], [1.5, 1.5]), None),
    "regression champion of other groups": pred_actual_chart(
        _regression(500, 0.9, 2), binned_means([1, 2, 3], [1, 2, 3])
    ),
}
"""Every kind of chart the module writes, edge cases included."""

_VALID = "\n".join(CHARTS["roc with champion"][1:-2])  # the diagram, without its fences
BROKEN = {
    "an unclosed list": (_VALID.replace("100]", "100", 1), "Parse error on line 5"),
    "NaN as a value": (_VALID.replace("[0, 5,", "[nan, 5,", 1), "Parse error on line 5"),
    "an exponent": (_VALID.replace("[0, 5,", "[1e-05, 5,", 1), "Parse error on line 5"),
    "a directive that is not JSON": (
        _VALID.replace("}}}}%%", "}}}%%", 1),
        "its init directive was ignored",
    ),
    "an unknown chart": (_VALID.replace("xychart-beta", "xychart-gamma", 1), "Parse error"),
}
"""Diagrams Mermaid must refuse, and why: the check can fail."""


@pytest.fixture(scope="module")
def verdicts() -> dict[str, list[str]]:
    """Mermaid's failures for each chart and each broken diagram, from one node call."""
    names, diagrams = [], []
    for name, lines in CHARTS.items():
        for diagram in mermaid_blocks("\n".join(lines) + "\n"):
            names.append(name)
            diagrams.append(diagram)
    for name, (diagram, _) in BROKEN.items():
        names.append(name)
        diagrams.append(diagram)
    found: dict[str, list[str]] = {name: [] for name in names}
    for failure in parse_failures(diagrams):
        index = int(re.match(r"diagram (\d+) ", failure)[1])
        found[names[index]].append(failure)
    assert set(found) == set(CHARTS) | set(BROKEN), "a chart made no diagram"
    return found


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_parses_with_mermaid(name, verdicts):
    assert verdicts[name] == []


@pytest.mark.parametrize("name", BROKEN)
def test_a_broken_diagram_is_rejected_by_mermaid(name, verdicts):
    [failure] = verdicts[name]
    assert failure.startswith(f"diagram {list(verdicts).index(name)} (xychart")
    assert BROKEN[name][1] in failure, failure


_NUMBER = re.compile(r"-?\d+(\.\d+)?")


@pytest.mark.parametrize("name", CHARTS)
def test_every_chart_holds_only_plain_finite_numbers_one_per_point(name):
    lines = CHARTS[name]
    assert lines[0] == "```mermaid" and lines[-2] == "```" and lines[-1].count("Lines: ") == 1
    series = [line.split("line ", 1)[1] for line in lines if line.startswith("    line [")]
    values = [s.strip("[]").split(", ") for s in series]
    assert all(_NUMBER.fullmatch(v) for row in values for v in row), values
    assert len({len(row) for row in values}) == 1, "every line has a value per point"
    axis = next(line for line in lines if line.startswith("    x-axis"))
    assert axis.endswith(" --> 100" if name.startswith("roc") else f" --> {len(values[0])}")
    # Mermaid before 11.17 placed the values by adding up the step: as many places as values
    low, high = (float(end) for end in axis.split('" ')[1].split(" --> "))
    step, places, at = (high - low) / (len(values[0]) - 1), 0, low
    while at <= high:
        places, at = places + 1, at + step
    assert places == len(values[0])
    # the caption names a colour per line, in the palette's order
    palette = re.search(r'"plotColorPalette": "([^"]+)"', lines[1])[1].split(", ")
    assert len(palette) == len(series) == lines[-1].count(" · ") + 1


def test_a_roc_chart_draws_chance_the_change_and_the_champion_in_percent():
    lines = roc_chart(roc_on_grid(ROC_A, steps=4), roc_on_grid(ROC_B, steps=4))
    assert [line.strip() for line in lines if "line [" in line] == [
        "line [0, 25, 50, 75, 100]",
        "line [0, 50, 80, 80, 100]",
        "line [40, 40, 90, 90, 100]",
    ]
    assert lines[-1] == (
        "Lines: ⬜ grey: chance (a random guess) · 🟦 blue: this change · 🟧 orange: the champion."
    )
    assert "orange" not in roc_chart(roc_on_grid(ROC_A), None)[-1]
    with pytest.raises(ValueError):
        roc_chart(roc_on_grid(ROC_A), roc_on_grid(ROC_B, steps=4))


def test_a_predicted_vs_actual_chart_draws_the_ideal_and_each_models_means():
    change = [(1.0, 1.5), (2.0, 2.0), (3.0, 2.5)]
    lines = pred_actual_chart(change, [(1.0, 1.0), (2.0, 2.0), (3.0, 3.5)])
    assert [line.strip() for line in lines if "axis" in line or "line [" in line] == [
        'x-axis "group of test rows, by actual value" 1 --> 3',
        'y-axis "mean value" 0.875 --> 3.625',  # the values' range, and 5 % of it each side
        "line [1, 2, 3]",
        "line [1.5, 2, 2.5]",
        "line [1, 2, 3.5]",
    ]
    huge = pred_actual_chart([(1e9, 2e9), (3e9, 3e9)], None)
    assert '    y-axis "mean value (× 10^9)" 0.9 --> 3.1' in huge and "    line [1, 3]" in huge
    other = pred_actual_chart(change, [(1.0, 1.0), (2.0, 2.0)])
    assert "orange" not in other[-1] and other[-1].endswith("made 2 groups, not 3.")


def test_no_points_no_chart():
    assert roc_chart([], None) == [] and roc_chart(roc_on_grid([]), None) == []
    assert pred_actual_chart([], None) == [] and pred_actual_chart([(1.0, 1.0)], None) == []
    assert pred_actual_chart([(math.nan, 1.0), (1.0, math.inf)], None) == []
    assert confusion_table([], []) == []
    assert charts_section(Curves(), None) == [] and charts_section(Curves(roc=[]), Curves()) == []


def test_a_section_holds_the_chart_then_the_confusion_table():
    confusion = confusion_counts(["no", "yes", "yes"], ["no", "yes", "no"])
    section = charts_section(Curves(roc=ROC_A, confusion=confusion), Curves(roc=ROC_B))
    body = "\n".join(section) + "\n"
    [diagram] = mermaid_blocks(body)
    assert diagram.count("    line [") == 3
    assert section.index("```") < section.index("|actual ↓ predicted →|`no`|`yes`|")
    assert section[-2:] == ["|`no`|**1**|0|", "|`yes`|1|**1**|"]
    regression = charts_section(Curves(pred_actual=_regression(50, 1, 0)), None)
    assert len(mermaid_blocks("\n".join(regression))) == 1 and "|" not in "".join(regression)
    # the champion's own curve is drawn only where the change has one of the same kind
    assert charts_section(Curves(confusion=confusion), Curves(roc=ROC_B))[0].startswith("Conf")


# --- the confusion table --------------------------------------------------------------------


def test_a_confusion_table_is_rows_actual_columns_predicted():
    assert confusion_table(["cat", "dog"], [[50, 3], [4, 1234]]) == [
        "Confusion matrix (test set): a row per actual class, a column per predicted class;"
        " right answers in bold.",
        "",
        "|actual ↓ predicted →|`cat`|`dog`|",
        "|---|---:|---:|",
        "|`cat`|**50**|3|",
        "|`dog`|4|**1,234**|",
    ]


def _counts(size: int) -> list[list[int]]:
    """Row i has total (i + 1) * 10 + size - 1: every row a different total."""
    return [[(i + 1) * 10 if i == j else 1 for j in range(size)] for i in range(size)]


def test_more_classes_than_shown_fold_into_other():
    labels = [f"c{i:02}" for i in range(MAX_CLASSES + 3)]
    counts = _counts(len(labels))
    lines = confusion_table(labels, counts)
    assert (
        lines[1] == "The 12 most frequent actual classes of 15; the other 3 are summed in *other*."
    )
    header, _, *rows = lines[3:]
    # the most frequent actual classes are the last 12, shown in their order, then *other*
    assert header == "|actual ↓ predicted →|" + "".join(f"`c{i:02}`|" for i in range(3, 15)) + (
        "*other*|"
    )
    assert len(rows) == MAX_CLASSES + 1
    assert rows[0] == "|`c03`|**40**|" + "1|" * 11 + "3|"  # c00-c02 predicted: 3 in *other*
    assert (
        rows[-1] == "|*other*|" + "3|" * 12 + "66|"
    )  # c00-c02 actual: 10 + 20 + 30 + 6 among them
    total = sum(
        int(cell.replace("*", "").replace(",", "")) for row in rows for cell in row.split("|")[2:-1]
    )
    assert total == sum(map(sum, counts))
    assert confusion_table(labels[:13], _counts(13))[1].endswith(
        "the other one is summed in *other*."
    )
    assert len(confusion_table(labels[:12], _counts(12))) == 4 + 12  # no fold at 12


def _table(values: list[str]) -> str:
    return "\n".join(confusion_table(values, _counts(len(values)))) + "\n"


@pytest.mark.parametrize("size", [MAX_CLASSES, len(HOSTILE)])
def test_hostile_labels_cannot_act_in_the_confusion_table(size):
    hostile = _table(HOSTILE[:size])
    assert_inert(hostile, _table([f"v{i}" for i in range(size)]), None)
    assert all(
        cells == header == min(size, MAX_CLASSES + 1) + 1 for cells, header in table_widths(hostile)
    )


def test_labels_show_as_written_and_long_ones_are_cut_in_the_middle():
    short = [value for value in HOSTILE[:MAX_CLASSES] if len(value) <= LABEL_CHARS]
    spans = [span.replace(WORD_JOINER, "") for span in code_spans(_table(short))]
    assert spans == [one_line(value) or " " for value in short] * 2  # header, then rows
    long = ["customer_segment_" + "x" * 500 + "_a", "customer_segment_" + "x" * 500 + "_b"]
    cut = code_spans(_table(long))
    assert cut[:2] == ["customer_s…xxxxxxx_a", "customer_s…xxxxxxx_b"]
    assert all(len(span) == LABEL_CHARS for span in cut)


# --- size -----------------------------------------------------------------------------------


def _worst_section(label: str, classes: int, rows: int = 10_000_000) -> str:
    """A section with the champion's ROC and a table of `classes` classes sharing `rows`."""
    labels = [f"{label}{i}" for i in range(classes)]
    each = rows // (classes * classes)
    counts = [[each * (6 if i == j else 1) for j in range(classes)] for i in range(classes)]
    roc = [(i / 1000, (i / 1000) ** 0.3) for i in range(1001)]
    change = Curves(roc=roc, confusion=(labels, counts))
    return "\n".join(charts_section(change, Curves(roc=[(x, y**2) for x, y in roc])))


@pytest.mark.parametrize("classes", [2, MAX_CLASSES, MAX_CLASSES + 1, 1000])
def test_a_section_stays_small(classes):
    assert len(_worst_section("customer_segment_", classes).encode()) < 3 * 1024
    # labels that are all escapes (each `|` written `\|`) at most half a KB more
    assert len(_worst_section("|" * 100, classes).encode()) < 3.5 * 1024
    regression = charts_section(Curves(pred_actual=_regression(5000, 0.9, 2, 1e-7)), None)
    assert len("\n".join(regression).encode()) < 1024


# --- plot files -----------------------------------------------------------------------------


def test_plot_files_read_as_evaluate_writes_them():
    curves = read_curves(
        {
            ROC: "fpr,tpr\n0.0,0.0\n1.0,1.0\n0.1,0.5\n0.3,0.8\n",
            CONFUSION: 'actual,predicted\nb,b\na,a\na,b\n"x,\ny",a\nb,b\n',
            PREDICTIONS: "actual,predicted,residual\n"
            + "".join(f"{a},{2 * a},{-a}\n" for a in [7, 3, 10, 1, 5, 9, 2, 8, 4, 6]),
            "metrics.json": "{}",
        }
    )
    assert curves.roc == ROC_A
    assert curves.confusion == (["a", "b", "x,\ny"], [[1, 1, 0], [0, 2, 0], [1, 0, 0]])
    assert curves.pred_actual == [(float(a), 2.0 * a) for a in range(1, 11)]  # a row a group
    assert read_curves({}) == Curves()


def test_predictions_with_an_empty_cell_leave_that_row_out():
    text = "actual,predicted,residual\n1,2,1\n,3,\n2,,\n3,4,1\n"
    assert read_curves({PREDICTIONS: text}).pred_actual == [(1.0, 2.0), (3.0, 4.0)]


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        (ROC, "fpr,recall\n0,0\n", "plots/roc.csv: line 1: no column tpr in the header fpr,recall"),
        (ROC, "fpr,tpr\n0,0\n0.5,high\n", "plots/roc.csv: line 3: 'high' is not a number"),
        (ROC, "", "plots/roc.csv: empty"),
        (
            CONFUSION,
            'actual,predicted\na,a\n"b\nc",a\na,a,a\n',
            "plots/confusion.csv: line 5: 3 cells",
        ),
        (PREDICTIONS, "actual,predicted,residual\n1,2\n", "plots/predictions.csv: line 2: 2 cells"),
    ],
)
def test_a_malformed_plot_file_names_itself_and_the_line(name, text, message):
    with pytest.raises(ProjectError, match=re.escape(message)):
        read_curves({name: text})


def test_plot_files_are_read_from_a_project_folder_when_present(tmp_path):
    assert read_curves_from(tmp_path) == Curves()
    (tmp_path / "plots").mkdir()
    (tmp_path / ROC).write_text("\ufefffpr,tpr\n0,0\n0.1,0.5\n0.3,0.8\n1,1\n", encoding="utf-8")
    assert read_curves_from(tmp_path) == Curves(roc=ROC_A)
    (tmp_path / CONFUSION).write_bytes(b"actual,predicted\n\xff,a\n")
    with pytest.raises(ProjectError, match="plots/confusion.csv: not UTF-8"):
        read_curves_from(tmp_path)


def test_a_confusion_file_is_counted_as_a_stream():
    rows = 100_000

    def lines():
        yield "actual,predicted\n"
        for i in range(rows):
            yield ("yes," if i % 3 else "no,") + ("yes\n" if i % 5 else "no\n")

    tracemalloc.start()
    try:
        counted = read_confusion(lines())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert counted == (["no", "yes"], [[6_667, 26_667], [13_333, 53_333]])
    assert peak < 1024 * 1024, f"{peak:,} bytes at the peak: the rows were held"


def test_a_column_of_too_many_labels_makes_no_confusion_matrix():
    many = "".join(f"{i},{i}\n" for i in range(MAX_CONFUSION_CLASSES + 1))
    assert read_curves({CONFUSION: "actual,predicted\n" + many}).confusion is None
    assert read_curves({CONFUSION: "actual,predicted\n" + many.split("\n", 1)[1]}).confusion


def test_read_confusion_takes_any_lines():
    assert read_confusion(io.StringIO("actual,predicted\na,b\n")) == (["a", "b"], [[0, 1], [0, 0]])
