"""Infer a project's data contract from a sample CSV and render it as `schema.py`.

Pure logic on the standard library alone (the hooks run in whatever Python runs cookiecutter):
a `csv_intake.Table` in, a list of `ColumnSpec` and Python source out. The post-generation
hook calls it on the dataset a project is baked with; the template's tests call it directly.

The project's `validate` stage reads the file with `pandas.read_csv`, so the columns are typed
here exactly as pandas types them (`parse_column`): the same missing-value markers, the same
int / float / bool / text decisions, the same whitespace rules.

Each column gets a *role*:

- ``target``: the column the model predicts (its classes or its numeric range are checked);
- ``numeric`` / ``categorical``: features the model learns from;
- ``id``, ``text``, ``date``, ``empty``, ``constant``: kept in the data and validated, but not
  given to the model (an identifier or free text would let the model memorise rows; a date
  needs feature engineering the user should choose).

A column is an identifier when its header is empty or pandas' ``Unnamed: N`` (a row index
saved with ``DataFrame.to_csv()``), when its name says ID (``customer_id``, ``Individual ID``,
``PassengerId``: repeated values too), when it holds whole numbers running without a gap, one
per row (a row number, sorted or shuffled), or when it is text with a different code on every
row. A saved index or row number is often in the order of the target, so a model given one
would "predict" through it.
"""

from __future__ import annotations

import calendar
import datetime
import json
import math
import re
from dataclasses import dataclass, field

from csv_intake import Table, csv_dialect

NA_VALUES = csv_dialect.NA_VALUES
"""The cells `pandas.read_csv` reads as missing by default (one list: the project's)."""

MAX_ALLOWED_VALUES = 50
"""Text columns with at most this many distinct values get an allowed-values check."""

RANGE_MARGIN = 1.0
"""Numeric ranges are widened by this fraction of the observed span on each side.

A range is a sanity limit (it catches unit mistakes, sentinels such as 999 and signs that
cannot be), not the sample's extremes: a larger sample of the same data reaches further
into its tails (the bundled churn generator at 1,000,000 rows goes 33% past the 5,000-row
maximum of `support_calls`), and how the distribution moves is the drift check's job."""

MAX_CLASSES = 50
"""A classification target with more distinct values than this is refused."""


MIN_ROW_NUMBER_ROWS = 10
"""A column needs at least this many rows to be taken for a row number (0..n-1, 1..n, ...):
in a tiny sample a few distinct small numbers run without a gap by chance."""

_ID_NAME = re.compile(r"(^|[\s_\-.])(id|uuid|guid|key)$|^id([\s_\-.]|$)|identifier", re.I)
# camelCase: PassengerId, customerID, userId. Case-sensitive, so that words merely ending in
# "id" (Paid, Valid, Humid, Acid) are not taken for identifiers.
_CAMEL_ID_NAME = re.compile(r"[a-z0-9](Id|ID)$")
# pandas names a column with an empty header "Unnamed: <position>" (".1" when that repeats).
_UNNAMED = re.compile(r"\s*|Unnamed: \d+(\.\d+)?")
_ID_REASON = "identifier: a different value on every row"
_ID_NAME_REASON = "identifier: the name says ID"
_UNNAMED_REASON = "identifier: an unnamed column, most likely a saved row index"
_ROW_NUMBER_REASON = "identifier: consecutive whole numbers, one per row (a row number)"
_DATE_LIKE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}.*)?\s*$"
)

# How pandas' C parser reads a number: ASCII digits, surrounding ASCII whitespace allowed;
# "inf"/"infinity" (any case, signed) only without whitespace.
_SPACE = "[ \t\n\v\f\r]*"
_INT = re.compile(rf"{_SPACE}[+-]?[0-9]+{_SPACE}")
_FLOAT = re.compile(rf"{_SPACE}[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?{_SPACE}")
_INF = re.compile(r"[+-]?inf(inity)?", re.I)
_INT64 = (-(2**63), 2**63 - 1)
_UINT64_MAX = 2**64 - 1
_BOOLS = {"true": True, "false": False}  # matched ignoring case, as pandas does
_WHITESPACE = re.compile(r"\s")


@dataclass
class ColumnSpec:
    """What the schema says about one column."""

    name: str
    role: str
    dtype: str  # "int", "float", "str" or "bool"
    nullable: bool
    minimum: float | int | None = None
    maximum: float | int | None = None
    allowed: list = field(default_factory=list)
    unique: bool = False
    reason: str = ""


@dataclass
class Column:
    """One column typed as `pandas.read_csv` types it.

    `kind` is pandas' dtype: "int" (int64), "uint" (uint64), "float" (float64), "bool",
    "object" (true/false with gaps: pandas keeps Python booleans) or "str". `values` holds the
    cells that are not missing, converted, in file order; `missing` counts the others.
    """

    kind: str
    values: list
    missing: int

    @property
    def dtype(self) -> str:
        """The schema's dtype: "int", "float", "bool" or "str"."""
        # pandas reads an integer column with gaps as float: it stays float so the gaps fit.
        return {"int": "int", "uint": "int", "float": "float", "bool": "bool"}.get(self.kind, "str")

    @property
    def nullable(self) -> bool:
        return self.missing > 0

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "uint", "float")

    def unique(self) -> list:
        """The distinct values, in order of first appearance (1 and 1.0 are one value)."""
        return list(dict.fromkeys(self.values))

    def show(self, value: object) -> str:
        """`repr(value)` as pandas hands the value out: numeric and true/false columns give
        numpy scalars, whose repr (numpy 2) names the type, e.g. ``np.int64(3)``."""
        numpy_type = {"int": "int64", "uint": "uint64", "float": "float64"}.get(self.kind)
        if numpy_type:
            return f"np.{numpy_type}({value!r})"
        if self.kind == "bool":
            return f"np.{value}_"
        return repr(value)


def parse_column(cells: list[str]) -> Column:
    """Type one column's cells as `pandas.read_csv` does with its default options.

    pandas tries, in order: 64-bit integers (float when a cell is missing), floats, then
    true/false, and reads the column as text when none fits every cell that is not missing.
    """
    if not cells:
        return Column("object", [], 0)  # a header without rows
    present = [cell for cell in cells if cell not in NA_VALUES]
    missing = len(cells) - len(present)
    if all(_INT.fullmatch(cell) for cell in present):
        ints = [_int_value(cell) for cell in present]
        low, high = min(ints, default=0), max(ints, default=0)
        if _INT64[0] <= low and high <= _INT64[1]:
            return (
                Column("float", [float(i) for i in ints], missing)
                if missing
                else Column("int", ints, missing)
            )
        if not missing and 0 <= low and high <= _UINT64_MAX:
            return Column("uint", ints, missing)
        return Column("str", present, missing)  # pandas: text, or Python ints ("str" to us)
    if all(_FLOAT.fullmatch(cell) or _INF.fullmatch(cell) for cell in present):
        if any(_beyond_64_bits(cell) for cell in present):
            return Column("str", present, missing)  # pandas gives up on floats there
        return Column("float", [float(cell) for cell in present], missing)
    if all(cell.isascii() and cell.lower() in _BOOLS for cell in present):
        if missing:
            # pandas holds Python booleans here, but `validate` reads a text column as text:
            # the allowed values must be the spellings in the file ("true", "FALSE", ...).
            return Column("str", present, missing)
        return Column("bool", [_BOOLS[c.lower()] for c in present], missing)
    return Column("str", present, missing)


def _int_value(cell: str) -> int:
    """The value of a cell `_INT` matches (past 64 bits, a stand-in of the right sign)."""
    if len(cell) <= 20:
        return int(cell)
    text = cell.strip()
    if len(text.lstrip("+-").lstrip("0")) > 20:  # also keeps int() clear of its digit limit
        return -(2**64) if text.startswith("-") else 2**64
    return int(text)


def _beyond_64_bits(cell: str) -> bool:
    """An integer cell that neither int64 nor uint64 holds."""
    if len(cell) < 20 or not _INT.fullmatch(cell):
        return False
    value = _int_value(cell)
    return not _INT64[0] <= value <= _UINT64_MAX


def infer_columns(table: Table, target: str, task: str) -> list[ColumnSpec]:
    """Return one `ColumnSpec` per column of `table`, in the file's column order."""
    if target not in table.columns:
        raise ValueError(f"target column {target!r} is not in the data")
    return [
        _infer_target(name, parse_column(cells), task)
        if name == target
        else _infer_feature(name, parse_column(cells))
        for name, cells in table.columns.items()
    ]


def _infer_target(name: str, column: Column, task: str) -> ColumnSpec:
    dtype = column.dtype
    spec = ColumnSpec(name, "target", dtype, column.nullable)
    values = column.values
    if task == "classification":
        classes = sorted(column.unique(), key=lambda v: (str(type(v)), v))
        if dtype == "float" and all(float(v).is_integer() for v in classes):
            classes = [int(v) for v in classes]
            spec.dtype = "int" if not spec.nullable else "float"
        spec.allowed = classes
        spec.reason = f"{len(classes)} classes"
    else:
        spec.minimum, spec.maximum = _checked_range(values, dtype)
        spec.reason = "numeric target"
    return spec


def _infer_feature(name: str, column: Column) -> ColumnSpec:
    dtype = column.dtype
    values = column.values
    spec = ColumnSpec(name, "numeric", dtype, column.nullable)
    n_unique = len(column.unique())
    if not values:
        spec.role, spec.dtype, spec.reason = "empty", "str", "empty: no values at all"
        return spec
    if n_unique == 1:
        spec.role = "constant"
        spec.reason = f"constant: a single value ({column.show(values[0])})"
        return spec
    all_unique = n_unique == len(values) and len(values) > 1
    identifier = _identifier_reason(name, column, all_unique)
    if identifier:
        spec.role, spec.reason = "id", identifier
        # Two gaps are two equal values (NaN) to pandera's unique check.
        spec.unique = all_unique and column.missing <= 1
        return spec
    if dtype == "bool":
        spec.reason = "true/false flag"
        return spec
    if dtype in ("int", "float"):
        spec.minimum, spec.maximum = _checked_range(values, dtype)
        spec.reason = "number"
        return spec
    text = values if column.kind == "str" else [str(v) for v in values]
    if _looks_like_dates(text):
        spec.role, spec.reason = "date", "date or timestamp (derive features from it if useful)"
        return spec
    if all_unique and _looks_like_codes(text):
        spec.role, spec.reason = "id", _ID_REASON
        spec.unique = column.missing <= 1
        return spec
    if n_unique <= MAX_ALLOWED_VALUES:
        spec.role, spec.reason = "categorical", f"{n_unique} categories"
        spec.allowed = sorted(set(text))
        return spec
    mean_words = sum(len(v.split()) for v in text) / len(text)
    if mean_words >= 3 or n_unique > len(values) / 2:
        spec.role, spec.reason = "text", f"free text ({n_unique} distinct values)"
        return spec
    spec.role = "categorical"
    spec.reason = f"{n_unique} categories: only the most frequent are one-hot encoded"
    return spec


def _identifier_reason(name: str, column: Column, all_unique: bool) -> str:
    """Why the column (neither empty nor constant) is an identifier, or "" when it is not."""
    if _UNNAMED.fullmatch(name):
        return _UNNAMED_REASON
    if column.kind == "bool":
        return ""  # a true/false flag, whatever its name
    if _says_id(name):
        return _ID_REASON if all_unique else _ID_NAME_REASON
    if _is_row_number(column):
        return _ROW_NUMBER_REASON
    return ""


def _says_id(name: str) -> bool:
    """Whether a column's name says it holds identifiers (customer_id, Individual ID,
    PassengerId; not Paid or Valid)."""
    return bool(_ID_NAME.search(name) or _CAMEL_ID_NAME.search(name.rstrip()))


def _is_row_number(column: Column) -> bool:
    """Whole numbers, none missing, that are exactly a run without gaps, one per row: 0..n-1,
    1..n or 1001..1000+n, in any order."""
    values = column.values
    if column.kind not in ("int", "uint") or len(values) < MIN_ROW_NUMBER_ROWS:
        return False
    return max(values) - min(values) + 1 == len(values) == len(set(values))


def _looks_like_codes(text: list[str]) -> bool:
    """More distinct values than an allowed-values list holds, mostly without spaces."""
    has_spaces = sum(1 for v in text if _WHITESPACE.search(v)) / len(text)
    return len(set(text)) > MAX_ALLOWED_VALUES and has_spaces < 0.5


# ---------------------------------------------------------------- dates

_TIME = re.compile(
    r"(\d{1,2}):(\d{2})(?::(\d{1,2}))?(?:[.,]\d*)?"  # 13:05, 13:05:09, 13:05:09.250
    r"\s*(?:([aApP])[mM]?(?![A-Za-z]))?"  # am / pm
    r"\s*(?:Z|z|UTC|GMT|[+-](\d{1,2})(?::?(\d{2}))?)?"  # time zone: Z, UTC, +02:00, -0500
)


def _looks_like_dates(text: list[str]) -> bool:
    """Most of the first 1,000 values look like dates and are real dates (2024-02-30 is not)."""
    sample = text[:1000]
    matches = [_DATE_LIKE.match(value) for value in sample]
    if sum(1 for m in matches if m) / len(sample) < 0.95:
        return False
    return sum(1 for m in matches if m and _is_datetime(m)) / len(sample) >= 0.95


def _is_datetime(match: re.Match) -> bool:
    """Whether a value `_DATE_LIKE` admits is a real date (and time), read as pandas reads
    mixed formats (`pd.to_datetime(format="mixed")`, month before day when it is ambiguous)."""
    parts = re.split(r"[-/.]", match[1].strip())
    separators = set(re.findall(r"[-/.]", match[1]))
    if len(separators) > 1 and "." in separators:
        return False  # 2024-01/31 is a date to pandas, 2024.01-31 is not
    first, second, third = (int(part) for part in parts)
    if len(parts[0]) > 2 or first > 31:
        (year, month, day), year_digits = (first, second, third), len(parts[0])  # 2024-01-31
    elif first > 12:
        (day, month, year), year_digits = (first, second, third), len(parts[2])  # 31/01/2024
    else:
        (month, day, year), year_digits = (first, second, third), len(parts[2])  # 01/31/2024
    if year_digits <= 2:
        year = _full_year(year)
    if not (1 <= month <= 12 and 1 <= day <= _days_in(year, month)):
        return False
    if not match[2]:
        return True
    time = _TIME.fullmatch(match[2][1:].rstrip())
    if time is None:
        return False
    hour, minute, second, ampm, tz_hour, tz_minute = time.groups()
    return (
        int(hour) <= (12 if ampm else 23)
        and int(minute) <= 59
        and int(second or 0) <= 59
        and int(tz_hour or 0) <= 23
        and int(tz_minute or 0) <= 59
    )


def _full_year(year: int) -> int:
    """A two-digit year as dateutil reads it: the one within 50 years of today."""
    this_year = datetime.date.today().year
    year += this_year // 100 * 100
    if year >= this_year + 50:
        year -= 100
    elif year < this_year - 50:
        year += 100
    return year


def _days_in(year: int, month: int) -> int:
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)  # year 0 is a leap year
    return 29 if month == 2 and leap else calendar.monthrange(2001, month)[1]


# ---------------------------------------------------------------- ranges


def _checked_range(values: list, dtype: str) -> tuple[float | int | None, float | int | None]:
    """`_widened_range`, or no range at all when the data (or its margin) reaches infinity."""
    try:
        return _widened_range(values, dtype)
    except OverflowError:
        return None, None


def _widened_range(values: list, dtype: str) -> tuple[float | int, float | int]:
    """The observed [min, max] widened by `RANGE_MARGIN`, kept non-negative when the data is."""
    low, high = float(min(values)), float(max(values))
    span = high - low
    margin = span * RANGE_MARGIN if span > 0 else max(abs(high) * RANGE_MARGIN, 1.0)
    step = 10 ** math.floor(math.log10(margin))
    lower = math.floor((low - margin) / step) * step
    upper = math.ceil((high + margin) / step) * step
    if low >= 0:
        lower = max(lower, 0.0)
    if dtype == "int" or step >= 1:
        return math.floor(lower), math.ceil(upper)
    digits = max(0, -math.floor(math.log10(step)))
    return round(lower, digits), round(upper, digits)


# ---------------------------------------------------------------- rendering


def _literal(value: object) -> str:
    """A Python literal for `value` in the quote style `ruff format` keeps."""
    if isinstance(value, str):
        if '"' in value and "'" not in value:
            return repr(value)
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return repr(value)
    if isinstance(value, float):
        return repr(float(value))
    return repr(value)


def _list(values: list, indent: str) -> list[str]:
    """A list literal exploded one item per line, as `ruff format` keeps it."""
    if not values:
        return ["[]"]
    inner = indent + "    "
    return ["[", *[f"{inner}{_literal(v)}," for v in values], f"{indent}]"]


def _column_source(spec: ColumnSpec) -> list[str]:
    pad = " " * 12
    lines = [f"        {_literal(spec.name)}: pa.Column(", f"{pad}{spec.dtype},"]
    if spec.allowed:
        lines.append(f"{pad}pa.Check.isin(")
        body = _list(spec.allowed, pad + "    ")
        lines.append(f"{pad}    {body[0]}")
        lines.extend(body[1:])
        lines.append(f"{pad}),")
    if spec.minimum is not None:
        lines.append(f"{pad}pa.Check.in_range({_literal(spec.minimum)}, {_literal(spec.maximum)}),")
    lines.append(f"{pad}nullable={spec.nullable},")
    if spec.unique:
        lines.append(f"{pad}unique=True,")
    lines.append("        ),")
    return lines


def render_schema_module(
    specs: list[ColumnSpec], *, task: str, target: str, source: str, rows: int
) -> str:
    """Render `schema.py` for a generated project: readable, editable, `ruff format` clean."""
    by_role: dict[str, list[ColumnSpec]] = {}
    for spec in specs:
        by_role.setdefault(spec.role, []).append(spec)
    target_spec = next(s for s in specs if s.role == "target")
    classes = target_spec.allowed if task == "classification" else []
    positive = classes[-1] if len(classes) == 2 else None
    excluded = [s for s in specs if s.role not in ("target", "numeric", "categorical")]

    out = [
        f'"""The data contract of `{source}`: what every row must look like.',
        "",
        f"Inferred from {rows:,} rows of that file when this project was baked. It is yours to",
        "edit: tighten a range, allow a new category, move a column between the feature lists.",
        "`validate` checks the raw data against `SCHEMA`; `train` builds its preprocessing from",
        "the feature lists, so a column's role here decides how the model sees it.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import pandera.pandas as pa",
        "",
        f"TASK = {_literal(task)}",
        f"TARGET = {_literal(target)}",
        "",
    ]
    if task == "classification":
        out += ["# The classes the model may predict, in the order of its probability columns."]
        out += ["CLASSES = " + "\n".join(_list(classes, ""))]
        out += [
            "# The class whose probability ROC AUC, precision and recall are computed for",
            "# (binary targets only).",
            f"POSITIVE_CLASS = {_literal(positive) if positive is not None else None}",
            "",
        ]
    out += ["# Features the model learns from: numbers are imputed (median) and scaled."]
    out += [
        "NUMERIC_FEATURES = " + "\n".join(_list([s.name for s in by_role.get("numeric", [])], ""))
    ]
    out += ["# Text features: imputed, then one-hot encoded (unseen categories are ignored)."]
    out += [
        "CATEGORICAL_FEATURES = "
        + "\n".join(_list([s.name for s in by_role.get("categorical", [])], ""))
    ]
    out += ["# Columns validated but not given to the model, and why."]
    if excluded:
        out += ["EXCLUDED_COLUMNS = {"]
        out += [f"    {_literal(s.name)}: {_literal(s.reason)}," for s in excluded]
        out += ["}"]
    else:
        out += ["EXCLUDED_COLUMNS: dict[str, str] = {}"]
    out += [
        "",
        "SCHEMA = pa.DataFrameSchema(",
        "    {",
    ]
    for spec in specs:
        out += _column_source(spec)
    out += [
        "    },",
        "    coerce=True,",
        ")",
        "",
    ]
    return "\n".join(out)
