"""The metrics `evaluate` reports are scikit-learn's, computed on the labels themselves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
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
