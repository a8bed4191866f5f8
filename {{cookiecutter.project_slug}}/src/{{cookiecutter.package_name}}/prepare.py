"""Stage `prepare`: split the validated data into train and test sets, deterministically.

The seed and test share come from `split:` in params.yaml; classification splits are
stratified so each class keeps its share. Rows without a target value are left out, and
the stage says how many. Only the target column is turned into Python objects: the rows
themselves are split as an Arrow table and written a batch at a time, which is several times
faster than splitting a DataFrame of text columns and holds one copy of the data, not three.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as arrow
import pyarrow.parquet as pq
from gitops_ml.stage import Paths, StageError, load_params, run_stage, write_rows
from sklearn.model_selection import train_test_split

from . import schema


def split_rows(target: pd.Series, split_params: dict) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of the train and test sets; rows without a target are in neither.

    `split_params` holds test_size, seed and (classification) stratify. Raises `StageError`
    on a split that cannot be made.
    """
    test_size = split_params["test_size"]
    if not 0 < test_size < 1:
        raise StageError(f"params.yaml split.test_size must be between 0 and 1, not {test_size}")
    rows = np.flatnonzero(target.notna().to_numpy())
    labels = target.iloc[rows]
    if len(rows) < 10:
        raise StageError(f"only {len(rows)} rows have a {schema.TARGET!r} value: too few to train")
    stratify = None
    if schema.TASK == "classification" and split_params.get("stratify", True):
        counts = labels.value_counts()
        rare = counts[counts < 2]
        if not rare.empty:
            raise StageError(
                f"class(es) {rare.index.tolist()} of {schema.TARGET!r} have a single row; a"
                " stratified split needs at least two per class: add rows, merge or drop those"
                " classes, or set split.stratify: false in params.yaml"
            )
        # Integer codes in sorted-label order split exactly as the labels themselves would,
        # without comparing a million strings.
        stratify = pd.Categorical(labels, categories=sorted(counts.index)).codes
    try:
        train, test = train_test_split(
            rows, test_size=test_size, random_state=split_params["seed"], stratify=stratify
        )
    except ValueError as err:
        raise StageError(f"cannot split {len(rows):,} rows with {split_params}: {err}") from err
    return train, test


def whole_number_classes(table: arrow.Table) -> arrow.Table:
    """`table` with a float target holding whole-number classes turned into integers.

    pandas reads an integer column with gaps as floats, so classes 1-4 with a few missing
    labels arrive as 1.0-4.0. Once the rows without a label are left out they are integers
    again: the model, its predictions, probability columns and plots name them 1-4.
    """
    position = table.schema.get_field_index(schema.TARGET)
    column = table.column(position)
    classes = getattr(schema, "CLASSES", [])
    if not (
        schema.TASK == "classification"
        and arrow.types.is_floating(column.type)
        and classes
        and all(isinstance(c, int) and not isinstance(c, bool) for c in classes)
    ):
        return table
    field = table.schema.field(position).with_type(arrow.int64())
    return table.set_column(position, field, column.cast(arrow.int64()))


def prepare(paths: Paths) -> None:
    """Run the stage: read the validated data, drop rows without target, split, write."""
    params = load_params(paths)
    table = whole_number_classes(pq.read_table(paths.validated))
    target = table.column(schema.TARGET).to_pandas()
    train, test = split_rows(target, params["split"])
    dropped = len(target) - len(train) - len(test)
    if dropped:
        print(f"prepare: left out {dropped:,} rows with no {schema.TARGET!r} value")
    write_rows(table, train, paths.train)
    write_rows(table, test, paths.test)
    print(f"prepare: {len(train):,} train rows, {len(test):,} test rows")


if __name__ == "__main__":
    run_stage(prepare)
