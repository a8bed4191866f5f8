"""gitops_ml.model_files: a model file is only loaded when its checksum matches and its types
are trusted (the list a baked project keeps in features.TRUSTED_TYPES)."""

from __future__ import annotations

import io
import pickle
import zipfile

import numpy as np
import pytest
from gitops_ml.model_files import checksum_path, load_model, save_model
from gitops_ml.stage import StageError
from sklearn.linear_model import LinearRegression

TRUSTED = ["numpy.dtype", "sklearn.tree._tree.Tree"]
"""What a project might trust; a linear model needs none of it."""


def _model():
    return LinearRegression().fit(np.arange(10).reshape(-1, 1), np.arange(10) * 2.0)


def test_round_trip(tmp_path):
    path = tmp_path / "model.skops"
    digest = save_model(_model(), path)
    assert checksum_path(path).read_text().split() == [digest, "model.skops"]
    assert load_model(path, TRUSTED).predict([[3]])[0] == pytest.approx(6.0)


def test_tampered_file_is_refused(tmp_path):
    path = tmp_path / "model.skops"
    save_model(_model(), path)
    path.write_bytes(path.read_bytes() + b"\0")
    with pytest.raises(StageError, match="SHA-256 mismatch"):
        load_model(path, TRUSTED)


def test_pickle_is_refused_even_with_a_matching_checksum(tmp_path):
    path = tmp_path / "model.skops"
    path.write_bytes(pickle.dumps(_model()))
    save_digest = __import__("hashlib").sha256(path.read_bytes()).hexdigest()
    checksum_path(path).write_text(f"{save_digest}  model.skops\n")
    with pytest.raises(StageError, match="not a skops file"):
        load_model(path, TRUSTED)


def _with_checksum(path, content: bytes) -> None:
    path.write_bytes(content)
    digest = __import__("hashlib").sha256(content).hexdigest()
    checksum_path(path).write_text(f"{digest}  {path.name}\n")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (_zip({"model.pkl": b"not skops"}), "a zip without skops' schema.json"),
        (_zip({"schema.json": b"not json"}), "Expecting value"),
        (_zip({"schema.json": b"[1, 2]"}), "its schema.json is not skops'"),
        (_zip({"schema.json": b"{}"}), "its schema.json is not skops'"),
        (b"PK\x03\x04 and then no zip at all", "not a zip file"),
    ],
)
def test_a_zip_that_is_not_skops_gets_the_clear_error(tmp_path, content, why):
    path = tmp_path / "model.skops"
    _with_checksum(path, content)
    with pytest.raises(StageError, match="not a skops file") as caught:
        load_model(path, TRUSTED)
    assert why in str(caught.value) and "refusing to load it" in str(caught.value)


class Sneaky:
    """A type no project trusts; loading it would call __setstate__."""

    calls: list = []

    def __setstate__(self, state):
        Sneaky.calls.append(state)


def test_a_skops_file_with_an_untrusted_type_is_refused_before_loading(tmp_path):
    path = tmp_path / "model.skops"
    save_model({"model": Sneaky()}, path)
    with pytest.raises(StageError, match="holds types this project does not trust") as caught:
        load_model(path, TRUSTED)
    assert "Sneaky" in str(caught.value)
    assert Sneaky.calls == []
