"""The prediction service answers real HTTP requests, with a small model of the real pipeline."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from {{ cookiecutter.package_name }} import schema
from {{ cookiecutter.package_name }}.features import build_pipeline, features
from {{ cookiecutter.package_name }}.model_io import save_model
from {{ cookiecutter.package_name }}.serve import make_server
from {{ cookiecutter.package_name }}.stage import sha256_file
from {{ cookiecutter.package_name }}.validate import read_csv_checked

# Straight to 127.0.0.1, whatever proxy the environment configures.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture
def labelled(project_root: Path, params: dict) -> pd.DataFrame:
    """The project's raw data, checked by the schema, without the rows that have no target."""
    frame = read_csv_checked(project_root / params["data"]["raw"], schema.SCHEMA.columns)
    return schema.SCHEMA.validate(frame).dropna(subset=[schema.TARGET]).reset_index(drop=True)


@pytest.fixture
def model_path(tmp_path: Path, params: dict, labelled: pd.DataFrame) -> Path:
    """A small model of the project's own pipeline, saved (with its checksum) in tmp_path."""
    params["model"]["random_forest"]["n_estimators"] = 20
    params["model"]["gradient_boosting"]["max_iter"] = 20
    model = build_pipeline(schema.TASK, params)
    model.fit(features(labelled), labelled[schema.TARGET])
    path = tmp_path / "models" / "model.skops"
    save_model(model, path)
    return path


@contextmanager
def running(model_path: Path) -> Iterator[str]:
    """Serve `model_path` on a free port in a daemon thread; yield its base URL."""
    server = make_server(model_path, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def service(model_path: Path) -> Iterator[str]:
    """The service's base URL; the server is shut down after the test."""
    with running(model_path) as url:
        yield url


def call(url: str, body: bytes | None = None) -> tuple[int, dict[str, Any]]:
    """GET `url`, or POST `body` to it; return the status and the decoded JSON answer."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
    try:
        with OPENER.open(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read())


def rows_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as a client would send them: JSON objects, no target, gaps as null."""
    return json.loads(frame.drop(columns=[schema.TARGET]).to_json(orient="records"))


def predict(url: str, rows: list[dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    return call(f"{url}/predict", json.dumps({"rows": rows}).encode())


def as_json_keys(values: list) -> set:
    """How `values` read back as the keys of a JSON object."""
    return set(json.loads(json.dumps(dict.fromkeys(values, 0))))


def test_health(service):
    assert call(f"{service}/health") == (200, {"status": "ok"})


def test_version_gives_the_model_digest(service, model_path):
    status, answer = call(f"{service}/version")
    assert status == 200
    assert answer == {"model_sha256": sha256_file(model_path), "metrics": None}


def test_version_gives_the_metrics_beside_the_model(model_path):
    metrics = {"score": 0.5}
    (model_path.parent.parent / "metrics.json").write_text(json.dumps(metrics))
    with running(model_path) as url:
        status, answer = call(f"{url}/version")
    assert status == 200 and answer["metrics"] == metrics


def test_predict_rows_of_the_raw_data(service, labelled):
    status, answer = predict(service, rows_of(labelled.head(3)))
    assert status == 200, answer
    predictions = answer["predictions"]
    assert len(predictions) == 3
    if schema.TASK == "classification":
        assert all(p in schema.CLASSES for p in predictions)
        assert len(answer["probabilities"]) == 3
        for prediction, probabilities in zip(predictions, answer["probabilities"], strict=True):
            assert set(probabilities) == as_json_keys(schema.CLASSES)
            assert sum(probabilities.values()) == pytest.approx(1.0)
            assert max(probabilities, key=probabilities.get) in as_json_keys([prediction])
    else:
        assert all(isinstance(p, float) for p in predictions)
        assert "probabilities" not in answer


def _breaking_value() -> tuple[str, Any]:
    """A feature column and a value its schema check refuses."""
    if schema.NUMERIC_FEATURES:
        return schema.NUMERIC_FEATURES[0], "not a number"
    for name in schema.CATEGORICAL_FEATURES:
        if any("isin" in str(check) for check in schema.SCHEMA.columns[name].checks):
            return name, "a category never seen"
    pytest.skip("no feature column has a check a value can break")


def test_a_row_breaking_the_schema_is_refused(service, labelled):
    column, value = _breaking_value()
    rows = rows_of(labelled.head(3))
    rows[1][column] = value
    status, answer = predict(service, rows)
    assert status == 422, answer
    named = [(e["row"], e["failure_case"]) for e in answer["errors"] if e["column"] == column]
    assert (1, value) in named, answer


def test_a_missing_feature_column_is_named(service, labelled):
    column = (schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES)[0]
    rows = rows_of(labelled.head(2))
    for row in rows:
        del row[column]
    status, answer = predict(service, rows)
    assert status == 422
    assert any(e["column"] == column for e in answer["errors"]), answer


MALFORMED = [b"{not json", b"\xff\xfe", b"[1]", b'{"data": []}', b'{"rows": []}', b'{"rows": [1]}']


def test_a_malformed_body_is_a_bad_request(service):
    for body in MALFORMED:
        status, answer = call(f"{service}/predict", body)
        assert status == 400 and answer["error"], body


def test_unknown_paths_are_not_found(service):
    assert call(f"{service}/nowhere")[0] == 404
    assert call(f"{service}/nowhere", b"{}")[0] == 404
