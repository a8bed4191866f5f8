"""Write scikit-learn's diabetes data as the template's bundled `data/raw/diabetes.csv`.

The bake needs nothing but cookiecutter, so the `dataset=diabetes` option ships this file
instead of loading it with scikit-learn at bake time. The post-generation hook renames the
target column (`progression`, the last) to the user's `target_column`, then infers the schema
from the file. Regenerate it (it only changes if scikit-learn's copy of the data does) with:

    .venv/bin/python tools/make_diabetes_data.py

The content is the data in its raw units (`load_diabetes(scaled=False)`): 442 rows, the ten
features in scikit-learn's order, then the target; columns holding only whole numbers are
written as integers.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from answers import DIABETES_FEATURES, DIABETES_TARGET  # hooks/ (on the path: devkit/)
from sklearn.datasets import load_diabetes

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "{{cookiecutter.project_slug}}" / "data" / "raw" / "diabetes.csv"


def diabetes_csv() -> str:
    """The bundled file's text: features in raw units, target last, whole numbers as ints."""
    bunch = load_diabetes(scaled=False)
    if tuple(bunch.feature_names) != DIABETES_FEATURES:
        raise SystemExit(
            f"scikit-learn's diabetes features are now {bunch.feature_names}: update"
            " answers.DIABETES_FEATURES"
        )
    frame = pd.DataFrame(bunch.data, columns=bunch.feature_names)
    frame[DIABETES_TARGET] = bunch.target
    for column in frame.columns:
        if (frame[column] == frame[column].round()).all():
            frame[column] = frame[column].astype("int64")
    return frame.to_csv(index=False, lineterminator="\n")


if __name__ == "__main__":
    OUT.write_bytes(diabetes_csv().encode("utf-8"))
    print(f"wrote {OUT.relative_to(ROOT)}")
