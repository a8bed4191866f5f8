"""Compare current data with the training reference, column by column, using the schema.

Numeric features: PSI (reference-quantile bins) and the two-sample KS test; text features: PSI
over categories, flagging categories never seen in training; every feature: the change in its
missing rate; optionally PSI of the model's predictions. Thresholds come from `drift:` in
params.yaml. The statistics are in `drift_stats`; this module reads data and renders results.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from typing import Any

import requests

from . import csv_dialect
from .drift_stats import (
    ColumnDrift,
    ks_2sample,
    missing_rate_change,
    psi_categorical,
    psi_numeric,
    sort_worst_first,
    verdict,
)
from .markdown import code, text
from .project import dvc

DEFAULTS = {"psi_warn": 0.1, "psi_alert": 0.25, "ks_pvalue": 0.01, "missing_alert": 0.1}
MARKER = "<!-- gitops-ml:drift-report -->"


class DriftInputError(Exception):
    """The data cannot be compared (unreadable, or invalid against the schema)."""


def thresholds(params: dict[str, Any]) -> dict[str, float]:
    """`drift:` from params.yaml over the defaults (PSI 0.1 warn / 0.25 alert)."""
    merged = dict(DEFAULTS)
    for key, value in (params.get("drift") or {}).items():
        if key not in DEFAULTS:
            raise DriftInputError(f"params.yaml drift.{key}: unknown; use {sorted(DEFAULTS)}")
        try:
            merged[key] = float(value)
        except (TypeError, ValueError) as err:
            raise DriftInputError(f"params.yaml drift.{key} must be a number") from err
    if merged["psi_warn"] > merged["psi_alert"]:
        raise DriftInputError("params.yaml drift.psi_warn must not exceed drift.psi_alert")
    return merged


def _project_module(project: Path, name: str) -> ModuleType | None:
    """The module `<package>.<name>` of the project's own `src/<package>/` (None when the
    package has no such module).

    The package is imported from that folder afresh, not from wherever Python would find a
    package of the same name (another baked project, or an older install).
    """
    inits = sorted((project / "src").glob("*/__init__.py"))
    if not inits:
        raise DriftInputError(f"{project}/src/<package>/__init__.py not found")
    package = inits[0].parent
    for loaded in [m for m in sys.modules if m == package.name or m.startswith(f"{package.name}.")]:
        del sys.modules[loaded]
    spec = importlib.util.spec_from_file_location(
        package.name, inits[0], submodule_search_locations=[str(package)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[package.name] = module
    spec.loader.exec_module(module)
    if not (package / f"{name}.py").is_file():
        return None
    return importlib.import_module(f"{package.name}.{name}")


def load_schema(project: Path) -> ModuleType:
    """The project's `schema.py` (found under src/<package>/)."""
    module = _project_module(project, "schema")
    if module is None:
        raise DriftInputError(f"{project}/src/<package>/schema.py not found")
    return module


def read_data(source: str, project: Path, schema: ModuleType):
    """A CSV or Parquet from a path, a URL, or a DVC-tracked path (pulled first).

    A CSV is read as `csv_dialect` reads a user's file (the bake and `predict` use it too):
    any common encoding, delimiter and decimal mark; the schema's text columns as text.
    """
    import pandas as pd

    from .validation import text_dtypes

    if source.startswith(("http://", "https://")):
        try:
            response = requests.get(source, timeout=120)
            response.raise_for_status()
        except requests.RequestException as err:
            raise DriftInputError(f"{source}: could not download ({err})") from err
        payload, name = response.content, source.split("?")[0]
    else:
        path = Path(source) if Path(source).is_absolute() else project / source
        if not path.exists() and Path(f"{path}.dvc").exists():
            pulled = subprocess.run(
                dvc("pull", str(path)), cwd=project, capture_output=True, text=True
            )
            if pulled.returncode != 0:
                raise DriftInputError(f"{source}: `dvc pull` failed: {pulled.stderr.strip()}")
        if not path.is_file():
            raise DriftInputError(f"{source}: no such file")
        payload, name = path, path.name
    try:
        if name.lower().endswith((".parquet", ".pq")):
            return pd.read_parquet(io.BytesIO(payload) if isinstance(payload, bytes) else payload)
        dialect = csv_dialect.detect(payload)
        plain = next(csv_dialect.plain_chunks(payload, dialect, sys.maxsize), "")
        header = pd.read_csv(io.StringIO(plain), nrows=0).columns.tolist()
        return pd.read_csv(io.StringIO(plain), dtype=text_dtypes(schema.SCHEMA.columns, header))
    except (ValueError, OSError, UnicodeDecodeError, csv.Error) as err:
        raise DriftInputError(f"{source}: not a readable CSV/Parquet file ({err})") from err


def check_schema(frame, schema: ModuleType, source: str):
    """Check the data's structure against the schema: columns present, types convertible.

    Value checks (allowed categories, ranges) and nullability are left out on purpose: a new
    category, a shifted range or more gaps is what drift measures, not invalid data.
    """
    import pandera.pandas as pa

    columns = {
        name: pa.Column(column.dtype, nullable=True, required=name not in schema.EXCLUDED_COLUMNS)
        for name, column in schema.SCHEMA.columns.items()
        if name != schema.TARGET
    }
    try:
        return pa.DataFrameSchema(columns, coerce=True).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        lines = []
        for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
            examples = ", ".join(repr(v) for v in group["failure_case"].dropna().unique()[:3])
            lines.append(f"column {column!r} check {check}: {len(group)} rows (e.g. {examples})")
        raise DriftInputError(f"{source} does not match the schema: " + "; ".join(lines)) from err


def compare(reference, current, schema: ModuleType, limits: dict[str, float]) -> list[ColumnDrift]:
    """Every statistic for every feature column, worst first."""
    rows: list[ColumnDrift] = []
    warn, alert = limits["psi_warn"], limits["psi_alert"]
    for column in schema.NUMERIC_FEATURES:
        ref, cur = reference[column].astype(float), current[column].astype(float)
        value = psi_numeric(ref.to_numpy(), cur.to_numpy())
        rows.append(
            ColumnDrift(column, "numeric", "psi", value, alert, verdict(value, warn, alert), "")
        )
        statistic, pvalue = ks_2sample(ref.to_numpy(), cur.to_numpy())
        ks_verdict = (
            "n/a" if pvalue != pvalue else ("warn" if pvalue < limits["ks_pvalue"] else "ok")
        )
        rows.append(
            ColumnDrift(
                column,
                "numeric",
                "ks",
                statistic,
                limits["ks_pvalue"],
                ks_verdict,
                f"p-value {pvalue:.3g}",
            )
        )
    for column in schema.CATEGORICAL_FEATURES:
        value, new = psi_categorical(reference[column], current[column])
        level = verdict(value, warn, alert)
        if new and level == "ok":
            level = "warn"
        detail = (
            f"new categories: {', '.join(new[:5])}" + (" …" if len(new) > 5 else "") if new else ""
        )
        rows.append(ColumnDrift(column, "categorical", "psi", value, alert, level, detail))
    for column in schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES:
        before, after, change = missing_rate_change(reference[column], current[column])
        level = "alert" if abs(change) >= limits["missing_alert"] else "ok"
        detail = f"missing {before:.1%} → {after:.1%}"
        rows.append(
            ColumnDrift(
                column,
                "missing",
                "missing_rate_change",
                change,
                limits["missing_alert"],
                level,
                detail,
            )
        )
    return sort_worst_first(rows)


def prediction_drift(
    model_path: Path, reference, current, schema: ModuleType, limits: dict
) -> ColumnDrift:
    """PSI of the model's answers, scored by the project's own `features.score`: the positive
    class's probability (binary), the predicted class (multiclass), or the predicted value."""
    project = model_path.parents[1]
    from .evaluation import positive_class
    from .model_files import load_model
    from .stage import StageError

    features = _project_module(project, "features")
    if features is None or not hasattr(features, "score"):
        raise DriftInputError(f"{project}/src/<package>/features.py has no score(model, frame)")
    try:
        model = load_model(model_path, getattr(features, "TRUSTED_TYPES", []))
    except StageError as err:
        raise DriftInputError(str(err)) from err
    scored = [features.score(model, frame) for frame in (reference, current)]
    if schema.TASK != "classification":
        value = psi_numeric(*(s["prediction"] for s in scored))
    elif len(model.classes_) == 2:
        column = (
            f"probability_{positive_class(model.classes_, getattr(schema, 'POSITIVE_CLASS', None))}"
        )
        value = psi_numeric(*(s[column] for s in scored))
    else:
        value, _ = psi_categorical(*(s["prediction"].astype(str) for s in scored))
    level = verdict(value, limits["psi_warn"], limits["psi_alert"])
    return ColumnDrift(
        "(model predictions)", "prediction", "psi", value, limits["psi_alert"], level, ""
    )


def render(rows: list[ColumnDrift], reference: str, current: str, status: str) -> str:
    """The markdown report: a verdict line and one table row per statistic, worst first.

    Sources, column names and details (new categories are values from the data) are written
    through `markdown`, so none of them can act as Markdown.
    """
    icons = {"alert": "🔴 alert", "warn": "🟡 warn", "ok": "🟢 ok", "n/a": "⚪ n/a"}
    lines = [
        MARKER,
        f"## Data drift: {status}",
        "",
        f"Reference {code(reference)} · current {code(current)}.",
        "",
        "| column | statistic | value | threshold | verdict | detail |",
        "|---|---|---:|---:|---|---|",
    ]
    for row in rows:
        value = "—" if row.value != row.value else f"{row.value:.4f}"
        cells = [text(row.column), row.statistic, value, f"{row.threshold:g}", icons[row.verdict]]
        lines.append("| " + " | ".join([*cells, text(row.detail)]) + " |")
    return "\n".join(lines) + "\n"


def overall(rows: list[ColumnDrift]) -> str:
    """`drift` if any statistic alerts, else `no drift`."""
    return "drift" if any(r.verdict == "alert" for r in rows) else "no drift"


def as_json(rows: list[ColumnDrift], status: str, reference: str, current: str) -> dict[str, Any]:
    """The machine-readable report (reports/drift.json)."""
    return {
        "status": status,
        "reference": reference,
        "current": current,
        "columns": [{k: (None if v != v else v) for k, v in asdict(r).items()} for r in rows],
    }
