"""The metrics `evaluate` reports are scikit-learn's, computed on the labels themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from gitops_ml.evaluation import ROC_POINTS, roc_points
from sklearn import metrics as skm

from {{ cookiecutter.package_name }}.evaluate import classification_metrics


def _scores(n_classes: int, rows: int = 400) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(n_classes)
    classes = np.array([f"class {chr(65 + k)} (a long label)" for k in range(n_classes)])
    proba = rng.dirichlet(np.ones(n_classes), size=rows)
    # Truth agrees with the highest score about two times in three, so no figure is trivial.
    guess = rng.integers(0, n_classes, rows)
    truth = np.where(rng.random(rows) < 0.66, proba.argmax(axis=1), guess)
    return pd.Series(classes[truth]), proba, classes


def test_binary_metrics_match_scikit_learn_on_the_labels():
    y, proba, classes = _scores(2)
    positive = classes[1]
    predicted = classes[proba.argmax(axis=1)]
    expected = {
        "accuracy": skm.accuracy_score(y, predicted),
        "precision": skm.precision_score(y, predicted, pos_label=positive),
        "recall": skm.recall_score(y, predicted, pos_label=positive),
        "f1": skm.f1_score(y, predicted, pos_label=positive),
        "roc_auc": skm.roc_auc_score(y == positive, proba[:, 1]),
        "log_loss": skm.log_loss(y, proba, labels=classes),
    }
    got = classification_metrics(y, proba, classes, positive)
    assert got == pytest.approx({k: round(v, 6) for k, v in expected.items()})
    assert 0.5 < got["accuracy"] < 0.95


def test_multiclass_metrics_match_scikit_learn_on_the_labels():
    y, proba, classes = _scores(4)
    predicted = classes[proba.argmax(axis=1)]
    expected = {
        "accuracy": skm.accuracy_score(y, predicted),
        "precision": skm.precision_score(y, predicted, average="macro"),
        "recall": skm.recall_score(y, predicted, average="macro"),
        "f1": skm.f1_score(y, predicted, average="macro"),
        "roc_auc": skm.roc_auc_score(y, proba, multi_class="ovr", labels=classes),
        "log_loss": skm.log_loss(y, proba, labels=classes),
    }
    got = classification_metrics(y, proba, classes, None)
    assert got == pytest.approx({k: round(v, 6) for k, v in expected.items()})


def test_a_large_roc_curve_is_thinned_without_changing_its_shape():
    y, proba, classes = _scores(2, rows=60_000)
    full = skm.roc_curve(y == classes[1], proba[:, 1])
    assert len(full[0]) > 5 * ROC_POINTS  # the curve as scikit-learn returns it
    points = roc_points(y, proba, classes, classes[1])
    assert len(points) <= ROC_POINTS + 1
    assert points.iloc[0].tolist() == [0.0, 0.0] and points.iloc[-1].tolist() == [1.0, 1.0]
    assert points["fpr"].is_monotonic_increasing and points["tpr"].is_monotonic_increasing
    area = np.trapezoid(points["tpr"], points["fpr"])
    assert area == pytest.approx(skm.roc_auc_score(y == classes[1], proba[:, 1]), abs=1e-3)


def test_a_small_roc_curve_is_kept_whole():
    y, proba, classes = _scores(2, rows=300)
    full = skm.roc_curve(y == classes[1], proba[:, 1])
    assert len(roc_points(y, proba, classes, classes[1])) == len(full[0]) <= ROC_POINTS
