"""Users' CSVs of many shapes bake, train, pass the baked project's own tests, and score.

Each shape (see `shaped_csvs`) is baked from its file by the bare cookiecutter, trained with
`make repro`, tested with the project's own `make test`, and then `predict` scores new rows
written the same way the user's file was: the same encoding, delimiter and decimal mark.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from conftest import bake, make, run
from pipeline_checks import metrics_of
from shaped_csvs import SHAPES, Shape

pytestmark = pytest.mark.slow


def _schema_lists(project, package: str) -> dict:
    """The baked schema's feature lists, target and classes, as the project sees them."""
    code = (
        f"import json; from {package} import schema as s; print(json.dumps({{"
        "'features': s.NUMERIC_FEATURES + s.CATEGORICAL_FEATURES,"
        "'excluded': s.EXCLUDED_COLUMNS, 'classes': getattr(s, 'CLASSES', None)}))"
    )
    return json.loads(run(project, "python", "-c", code).stdout)


@pytest.mark.parametrize("shape", SHAPES, ids=[shape.name for shape in SHAPES])
def test_a_users_csv_bakes_trains_passes_its_tests_and_scores(tmp_path, shape: Shape):
    frame = shape.make()
    source = tmp_path / "data" / f"{shape.name}.csv"
    source.parent.mkdir()
    shape.write(source, frame)
    project = bake(tmp_path / "out", **shape.answers_for(source))
    package = project.name.replace("-", "_")

    lists = _schema_lists(project, package)
    for identifier in shape.identifiers:
        assert identifier not in lists["features"]
        assert lists["excluded"][identifier].startswith("identifier"), lists["excluded"]
    if shape.task == "classification":
        labels = frame[shape.target].dropna().unique().tolist()
        assert sorted(lists["classes"], key=str) == sorted(labels, key=str)

    make(project, "repro")
    metrics = metrics_of(project)
    assert metrics and all(math.isfinite(value) for value in metrics.values()), metrics
    if shape.task == "regression":
        assert 0.3 < metrics["r2"] < 0.99, metrics  # learnt, and not through a row number
    else:
        majority = frame[shape.target].value_counts(normalize=True).iloc[0]
        assert metrics["accuracy"] > majority, metrics

    make(project, "test")

    incoming = tmp_path / f"incoming-{shape.name}.csv"
    rows = frame.drop(columns=[shape.target]).iloc[::2]
    shape.write(incoming, rows)
    scored_path = tmp_path / "scored.csv"
    result = run(project, "python", "-m", f"{package}.predict", incoming, "-o", scored_path)
    assert f"scored {len(rows):,} rows" in result.stdout
    scored = pd.read_csv(scored_path)
    assert len(scored) == len(rows) and scored["prediction"].notna().all()
    probability = [f"probability_{label}" for label in lists["classes"] or []]
    if shape.task == "classification":
        assert [c for c in scored.columns if c.startswith("probability_")] == probability
        assert set(scored["prediction"]) <= set(lists["classes"])
    # The same rows, from the project's own plain copy of the data, score the same.
    raw = project / "data" / "raw" / f"{shape.name.replace('-', '_')}.csv"
    plain = tmp_path / "plain.csv"
    pd.read_csv(raw, dtype=str, keep_default_na=False).drop(columns=[shape.target]).iloc[
        ::2
    ].to_csv(plain, index=False)
    again = tmp_path / "again.csv"
    run(project, "python", "-m", f"{package}.predict", plain, "-o", again)
    # The model's numbers (a predicted class may flip where two probabilities tie).
    numbers = probability if shape.task == "classification" else ["prediction"]
    pd.testing.assert_frame_equal(pd.read_csv(again)[numbers], scored[numbers], atol=1e-9)
