"""The schema is consistent with itself and with the bundled data."""

from __future__ import annotations

import pandas as pd
from gitops_ml.validation import read_csv_checked

from {{ cookiecutter.package_name }} import schema


def test_every_column_has_exactly_one_role():
    features = schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES
    roles = features + [schema.TARGET] + list(schema.EXCLUDED_COLUMNS)
    assert sorted(roles) == sorted(schema.SCHEMA.columns)
    assert len(roles) == len(set(roles))


def test_features_exclude_the_target():
    assert schema.TARGET not in schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES


def test_raw_data_passes_the_schema(params, project_root):
    frame = read_csv_checked(project_root / params["data"]["raw"], schema.SCHEMA.columns)
    valid = schema.SCHEMA.validate(frame, lazy=True)
    assert len(valid) == len(frame) > 0
    if schema.TASK == "classification":
        assert set(valid[schema.TARGET].dropna()) <= set(schema.CLASSES)
    else:
        assert pd.api.types.is_numeric_dtype(valid[schema.TARGET])
