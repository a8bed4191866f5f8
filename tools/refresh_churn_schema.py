"""Re-infer the bundled churn sample's schema into the template's `schema.py`.

The default bake ships this file ready-made (so baking the default project needs nothing but
cookiecutter); run this after changing the sample with `make_churn_data.py`:

    .venv/bin/python tools/refresh_churn_schema.py
"""

from __future__ import annotations

from pathlib import Path

# hooks/ modules: the devkit puts hooks/ on the path (dev-mode-dirs, devkit/pyproject.toml)
from csv_intake import load_table, read_plain
from schema_inference import infer_columns, render_schema_module

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "{{cookiecutter.project_slug}}"
RAW = PROJECT / "data" / "raw" / "churn.csv"
SCHEMA = PROJECT / "src" / "{{cookiecutter.package_name}}" / "schema.py"
TARGET = "churned"


def churn_schema_source() -> str:
    """The schema module inference writes for the bundled churn sample."""
    table = load_table(read_plain(RAW))
    specs = infer_columns(table, TARGET, "classification")
    return render_schema_module(
        specs, task="classification", target=TARGET, source="data/raw/churn.csv", rows=table.rows
    )


if __name__ == "__main__":
    SCHEMA.write_text(churn_schema_source(), encoding="utf-8")
    print(f"wrote {SCHEMA.relative_to(ROOT)}")
