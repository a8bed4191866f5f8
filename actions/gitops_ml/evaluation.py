"""What a project's `evaluate` stage shares with the other checks of a model's answers.

`positive_class` decides which class's probability binary metrics, ROC curves and drift use;
`roc_points` thins a ROC curve to the points `dvc plots` needs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .stage import StageError

ROC_POINTS = 1000
"""At most about this many points describe a ROC curve (plots/roc.csv)."""


def roc_points(
    y_true: pd.Series, proba: np.ndarray, classes: np.ndarray, positive: Any
) -> pd.DataFrame:
    """ROC curve points: of the positive class, or micro-averaged over classes if multiclass."""
    if positive is not None:
        truth = (y_true == positive).to_numpy()
        score = proba[:, list(classes).index(positive)]
    else:
        truth = (y_true.to_numpy()[:, None] == classes[None, :]).ravel()
        score = proba.ravel()
    from sklearn.metrics import roc_curve

    fpr, tpr, _ = roc_curve(truth, score)
    if len(fpr) > ROC_POINTS:
        # fpr + tpr only grows along the curve: keep its first point in each of ROC_POINTS
        # equal steps, and the last one. A million test rows gave 50,000 points (1 MB of
        # plots/roc.csv in every commit) for a curve that draws the same with a thousand.
        steps = np.floor((fpr + tpr) * (ROC_POINTS / 2)).astype(np.int64)
        keep = np.union1d(np.unique(steps, return_index=True)[1], [len(fpr) - 1])
        fpr, tpr = fpr[keep], tpr[keep]
    return pd.DataFrame({"fpr": fpr.round(6), "tpr": tpr.round(6)})


def positive_class(classes: np.ndarray, wanted: Any = None) -> Any:
    """The binary task's positive class: `wanted` (a project's schema.POSITIVE_CLASS), else the
    second of the model's `classes`; None when there are more than two classes."""
    if len(classes) != 2:
        return None
    if wanted is None:
        return classes[1]
    if wanted not in list(classes):
        raise StageError(
            f"schema.py POSITIVE_CLASS {wanted!r} is not one of the classes {list(classes)}"
        )
    return wanted
