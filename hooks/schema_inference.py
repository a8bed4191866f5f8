"""Infer a project's data contract from a sample DataFrame and render it as `schema.py`.

Pure logic: a DataFrame in, a list of `ColumnSpec` and Python source out. The post-generation
hook calls it on the dataset a project is baked with; the template's tests call it directly.

Each column gets a *role*:

- ``target``: the column the model predicts (its classes or its numeric range are checked);
- ``numeric`` / ``categorical``: features the model learns from;
- ``id``, ``text``, ``date``, ``empty``, ``constant``: kept in the data and validated, but not
  given to the model (an identifier or free text would let the model memorise rows; a date
  needs feature engineering the user should choose).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field

import pandas as pd

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

_ID_NAME = re.compile(r"(^|[\s_\-.])(id|uuid|guid|key)$|^id([\s_\-.]|$)|identifier", re.I)
_ID_REASON = "identifier: a different value on every row"
_DATE_LIKE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})([ T]\d{1,2}:\d{2}.*)?\s*$"
)


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


def infer_columns(df: pd.DataFrame, target: str, task: str) -> list[ColumnSpec]:
    """Return one `ColumnSpec` per column of `df`, in the file's column order."""
    if target not in df.columns:
        raise ValueError(f"target column {target!r} is not in the data")
    return [
        _infer_target(df[name], task) if name == target else _infer_feature(df[name])
        for name in df.columns
    ]


def _dtype_of(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_numeric_dtype(series):
        # pandas reads an integer column with gaps as float: it stays float so the gaps fit.
        return "float"
    return "str"


def _infer_target(series: pd.Series, task: str) -> ColumnSpec:
    dtype = _dtype_of(series)
    spec = ColumnSpec(str(series.name), "target", dtype, bool(series.isna().any()))
    values = series.dropna()
    if task == "classification":
        classes = sorted(values.unique().tolist(), key=lambda v: (str(type(v)), v))
        if dtype == "float" and all(float(v).is_integer() for v in classes):
            classes = [int(v) for v in classes]
            spec.dtype = "int" if not spec.nullable else "float"
        spec.allowed = classes
        spec.reason = f"{len(classes)} classes"
    else:
        spec.minimum, spec.maximum = _widened_range(values, dtype)
        spec.reason = "numeric target"
    return spec


def _infer_feature(series: pd.Series) -> ColumnSpec:
    name = str(series.name)
    dtype = _dtype_of(series)
    nullable = bool(series.isna().any())
    values = series.dropna()
    spec = ColumnSpec(name, "numeric", dtype, nullable)
    n_unique = int(values.nunique())
    if values.empty:
        spec.role, spec.dtype, spec.reason = "empty", "str", "empty: no values at all"
        return spec
    if n_unique == 1:
        spec.role, spec.reason = "constant", f"constant: a single value ({values.iloc[0]!r})"
        return spec
    all_unique = n_unique == len(values) and len(values) > 1
    if dtype == "bool":
        spec.reason = "true/false flag"
        return spec
    if dtype in ("int", "float"):
        if dtype == "int" and all_unique and _ID_NAME.search(name):
            spec.role, spec.unique, spec.reason = "id", True, _ID_REASON
            return spec
        spec.minimum, spec.maximum = _widened_range(values, dtype)
        spec.reason = "number"
        return spec
    text = values.astype(str)
    if _looks_like_dates(text):
        spec.role, spec.reason = "date", "date or timestamp (derive features from it if useful)"
        return spec
    has_spaces = float(text.str.contains(r"\s", regex=True).mean())
    looks_like_codes = n_unique > MAX_ALLOWED_VALUES and has_spaces < 0.5
    if all_unique and (_ID_NAME.search(name) or looks_like_codes):
        spec.role, spec.unique, spec.reason = "id", True, _ID_REASON
        return spec
    if n_unique <= MAX_ALLOWED_VALUES:
        spec.role, spec.reason = "categorical", f"{n_unique} categories"
        spec.allowed = sorted(text.unique().tolist())
        return spec
    mean_words = float(text.str.split().str.len().mean())
    if mean_words >= 3 or n_unique > len(values) / 2:
        spec.role, spec.reason = "text", f"free text ({n_unique} distinct values)"
        return spec
    spec.role = "categorical"
    spec.reason = f"{n_unique} categories: only the most frequent are one-hot encoded"
    return spec


def _looks_like_dates(text: pd.Series) -> bool:
    sample = text.head(1000)
    if not bool(sample.str.match(_DATE_LIKE).mean() >= 0.95):
        return False
    parsed = pd.to_datetime(sample, errors="coerce", format="mixed")
    return bool(parsed.notna().mean() >= 0.95)


def _widened_range(values: pd.Series, dtype: str) -> tuple[float | int, float | int]:
    """The observed [min, max] widened by `RANGE_MARGIN`, kept non-negative when the data is."""
    low, high = float(values.min()), float(values.max())
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
