"""The model file is only loaded when its checksum matches and its types are trusted."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from {{ cookiecutter.package_name }}.model_io import checksum_path, load_model, save_model
from {{ cookiecutter.package_name }}.stage import StageError


def _model():
    return LinearRegression().fit(np.arange(10).reshape(-1, 1), np.arange(10) * 2.0)


def test_round_trip(tmp_path):
    path = tmp_path / "model.skops"
    digest = save_model(_model(), path)
    assert checksum_path(path).read_text().split() == [digest, "model.skops"]
    assert load_model(path).predict([[3]])[0] == pytest.approx(6.0)


def test_tampered_file_is_refused(tmp_path):
    path = tmp_path / "model.skops"
    save_model(_model(), path)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(StageError, match="SHA-256 mismatch"):
        load_model(path)


def test_pickle_is_refused_even_with_a_matching_checksum(tmp_path):
    path = tmp_path / "model.skops"
    path.write_bytes(pickle.dumps(_model()))
    save_digest = __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    checksum_path(path).write_text(f"{save_digest}  model.skops\n")
    with pytest.raises(StageError, match="not a skops file"):
        load_model(path)


class Sneaky:
    """A type no project trusts; loading it would call __setstate__."""

    calls: list = []

    def __setstate__(self, state):
        Sneaky.calls.append(state)


def test_a_skops_file_with_an_untrusted_type_is_refused_before_loading(tmp_path):
    path = tmp_path / "model.skops"
    save_model({"model": Sneaky()}, path)
    with pytest.raises(StageError, match="holds types this project does not trust") as caught:
        load_model(path)
    assert "Sneaky" in str(caught.value)
    assert Sneaky.calls == []
