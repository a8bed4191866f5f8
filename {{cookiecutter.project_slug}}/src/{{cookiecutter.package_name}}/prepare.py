"""Stage `prepare`: split the validated data into train and test sets, deterministically.

The seed and test share come from `split:` in params.yaml; classification splits are
stratified so each class keeps its share. Rows without a target value are left out, and
the stage says how many.
"""

from __future__ import annotations

import pandas as pd
from sklearn.model_selection import train_test_split

from . import schema
from .stage import Paths, StageError, atomic_write, load_params, run_stage


def split(frame: pd.DataFrame, split_params: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split `frame` by `split_params` (test_size, seed, stratify); raise on impossible splits."""
    test_size = split_params["test_size"]
    if not 0 < test_size < 1:
        raise StageError(f"params.yaml split.test_size must be between 0 and 1, not {test_size}")
    stratify = None
    if schema.TASK == "classification" and split_params.get("stratify", True):
        counts = frame[schema.TARGET].value_counts()
        rare = counts[counts < 2]
        if not rare.empty:
            raise StageError(
                f"class(es) {rare.index.tolist()} of {schema.TARGET!r} have a single row; a"
                " stratified split needs at least two per class: add rows, merge or drop those"
                " classes, or set split.stratify: false in params.yaml"
            )
        stratify = frame[schema.TARGET]
    try:
        train, test = train_test_split(
            frame, test_size=test_size, random_state=split_params["seed"], stratify=stratify
        )
    except ValueError as err:
        raise StageError(f"cannot split {len(frame):,} rows with {split_params}: {err}") from err
    return train.reset_index(drop=True), test.reset_index(drop=True)


def prepare(paths: Paths) -> None:
    """Run the stage: read the validated data, drop rows without target, split, write."""
    params = load_params(paths)
    frame = pd.read_parquet(paths.validated)
    labelled = frame.dropna(subset=[schema.TARGET])
    dropped = len(frame) - len(labelled)
    if dropped:
        print(f"prepare: left out {dropped:,} rows with no {schema.TARGET!r} value")
    if len(labelled) < 10:
        raise StageError(
            f"only {len(labelled)} rows have a {schema.TARGET!r} value: too few to train"
        )
    train, test = split(labelled, params["split"])
    atomic_write(paths.train, lambda tmp: train.to_parquet(tmp, index=False))
    atomic_write(paths.test, lambda tmp: test.to_parquet(tmp, index=False))
    print(f"prepare: {len(train):,} train rows, {len(test):,} test rows")


if __name__ == "__main__":
    run_stage(prepare)
