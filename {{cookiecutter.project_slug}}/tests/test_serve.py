"""The prediction service answers real HTTP requests, with a small model of the real pipeline.

Each test starts the FastAPI app under a real uvicorn server on a free loopback port and talks
to it over HTTP. Column names come from schema.py, so the tests hold for any dataset.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import uvicorn
import yaml
from gitops_ml import model_files
from gitops_ml.checksums import sha256_file
from gitops_ml.model_files import checksum_path, save_model
from gitops_ml.serve import (
    MAX_BODY_BYTES,
    MAX_ROWS,
    ServedProject,
    create_app,
    fetch_if_missing,
    parse_args,
)
from gitops_ml.stage import StageError
from gitops_ml.validation import read_csv_checked
from prometheus_client.parser import text_string_to_metric_families

from {{ cookiecutter.package_name }} import features as features_module
from {{ cookiecutter.package_name }} import schema
from {{ cookiecutter.package_name }}.features import build_pipeline, features
from {{ cookiecutter.package_name }}.serve import main

PROJECT = Path(__file__).resolve().parents[1]
FEATURES = schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES
SERVED = ServedProject.from_modules(schema, features_module, "{{ cookiecutter.project_slug }}")
"""This project as the service sees it: what `serve` builds from schema.py and features.py."""

# Straight to 127.0.0.1, whatever proxy the environment configures.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def labelled() -> pd.DataFrame:
    """The project's raw data, checked by the schema, without the rows that have no target."""
    params = yaml.safe_load((PROJECT / "params.yaml").read_text(encoding="utf-8"))
    frame = read_csv_checked(PROJECT / params["data"]["raw"], schema.SCHEMA.columns)
    return schema.SCHEMA.validate(frame).dropna(subset=[schema.TARGET]).reset_index(drop=True)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, labelled: pd.DataFrame) -> Path:
    """A small model of the project's own pipeline, saved (with its checksum), trained once."""
    params = yaml.safe_load((PROJECT / "params.yaml").read_text(encoding="utf-8"))
    params["model"]["random_forest"]["n_estimators"] = 20
    params["model"]["gradient_boosting"]["max_iter"] = 20
    model = build_pipeline(schema.TASK, params)
    model.fit(features(labelled), labelled[schema.TARGET])
    path = tmp_path_factory.mktemp("trained") / "models" / "model.skops"
    save_model(model, path)
    return path


@pytest.fixture
def model_path(tmp_path: Path, trained: Path) -> Path:
    """This test's own copy of the model and its checksum, in `<tmp>/models/`."""
    path = tmp_path / "models" / trained.name
    path.parent.mkdir()
    shutil.copyfile(trained, path)
    shutil.copyfile(checksum_path(trained), checksum_path(path))
    return path


@contextmanager
def running(app: Any) -> Iterator[str]:
    """Serve `app` with uvicorn on a free loopback port in a thread; yield its base URL."""
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive(), "the server stopped before it started"
        assert time.monotonic() < deadline, "the server did not start within 30 s"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def service(model_path: Path) -> Iterator[str]:
    """The base URL of a fresh app (fresh metrics) serving `model_path`, release model-test."""
    with running(create_app(SERVED, model_path, release="model-test")) as url:
        yield url


def call(url: str, body: bytes | None = None, content_type: str = "application/json"):
    """GET `url`, or POST `body` to it; return the status and the answer (JSON decoded)."""
    request = urllib.request.Request(url, data=body, headers={"Content-Type": content_type})
    try:
        with OPENER.open(request, timeout=60) as response:
            status, text = response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as err:
        with err:
            status, text = err.code, err.read().decode("utf-8")
    return as_answer(status, text)


def as_answer(status: int, text: str) -> tuple[int, Any]:
    """The status and the answer, JSON decoded when it is JSON."""
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def post_raw(url: str, headers: dict[str, str], body: bytes = b"") -> tuple[int, Any]:
    """POST exactly `body` with exactly `headers` (plus Host), then read the answer.

    Nothing more is sent: if the headers promise more (a larger Content-Length, a chunked body
    without its last chunk), the answer must come without it, or this times out.
    """
    where = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    try:
        connection.putrequest("POST", where.path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(body)
        response = connection.getresponse()
        return as_answer(response.status, response.read().decode("utf-8"))
    finally:
        connection.close()


def chunked(body: bytes, size: int = 1000, last: bool = True) -> bytes:
    """`body` in HTTP/1.1 chunks of `size` bytes, ending with the last (empty) chunk or not."""
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts)
    return encoded + (b"0\r\n\r\n" if last else b"")


CHUNKED = {"Content-Type": "application/json", "Transfer-Encoding": "chunked"}


def rows_of(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as a client would send them: JSON objects, no target, gaps as null."""
    return json.loads(frame.drop(columns=[schema.TARGET]).to_json(orient="records"))


def predict(url: str, rows: list[dict[str, Any]]) -> tuple[int, Any]:
    return call(f"{url}/predict", json.dumps({"rows": rows}).encode())


def as_json_keys(values: list) -> set:
    """How `values` read back as the keys of a JSON object."""
    return set(json.loads(json.dumps(dict.fromkeys(values, 0))))


def named(answer: dict[str, Any], column: str) -> list[dict[str, Any]]:
    """The problems of a 422 answer that name `column`."""
    assert isinstance(answer.get("detail"), str) and answer["detail"], answer
    return [e for e in answer["errors"] if e["column"] == column]


def checks_of(column: str) -> list[str]:
    return [check.name for check in schema.SCHEMA.columns[column].checks]


# ------------------------------------------------------------------------ endpoints


def test_health(service):
    assert call(f"{service}/health") == (200, {"status": "ok"})


def test_version_gives_the_release_and_digest(service, model_path):
    status, answer = call(f"{service}/version")
    assert status == 200
    assert answer == {
        "model": {"release": "model-test", "sha256": sha256_file(model_path)},
        "metrics": None,
    }


def test_version_gives_the_project_metrics(model_path):
    metrics = {"score": 0.5, "undefined": float("nan")}
    (model_path.parent.parent / "metrics.json").write_text(json.dumps(metrics))
    with running(create_app(SERVED, model_path)) as url:
        status, answer = call(f"{url}/version")
    assert status == 200 and answer["metrics"] == {"score": 0.5, "undefined": None}
    assert answer["model"]["release"] is None


def test_a_fetched_release_is_verified_by_its_sha256sums(model_path):
    """`gitops-ml fetch-model` leaves SHA256SUMS and metrics.json beside the model."""
    checksum_path(model_path).unlink()
    sums = model_path.parent / "SHA256SUMS"
    sums.write_text(f"{'0' * 64}  metrics.json\n{sha256_file(model_path)}  {model_path.name}\n")
    (model_path.parent / "metrics.json").write_text(json.dumps({"score": 0.75}))
    with running(create_app(SERVED, model_path, release="model-1")) as url:
        status, answer = call(f"{url}/version")
    assert status == 200 and answer["metrics"] == {"score": 0.75}
    assert answer["model"] == {"release": "model-1", "sha256": sha256_file(model_path)}

    sums.write_text(f"{'0' * 64}  {model_path.name}\n")
    with pytest.raises(StageError, match="SHA-256 mismatch"):
        create_app(SERVED, model_path)


def test_predict_rows_of_the_raw_data(service, labelled, model_path):
    status, answer = predict(service, rows_of(labelled.head(3)))
    assert status == 200, answer
    assert answer["model"] == {"release": "model-test", "sha256": sha256_file(model_path)}
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


def test_the_columns_the_model_does_not_use_are_optional(service, labelled):
    rows = [{column: row[column] for column in FEATURES} for row in rows_of(labelled.head(2))]
    status, answer = predict(service, rows)
    assert status == 200, answer
    assert len(answer["predictions"]) == 2


def test_the_same_row_twice_is_predicted_twice(service, labelled):
    status, answer = predict(service, rows_of(labelled.head(2)) * 2)
    assert status == 200, answer
    assert answer["predictions"][:2] == answer["predictions"][2:]


def test_gaps_are_predicted_where_the_schema_allows_them(service, labelled):
    nullable = [c for c in FEATURES if schema.SCHEMA.columns[c].nullable]
    if not nullable:
        pytest.skip("no feature column may have gaps")
    rows = rows_of(labelled.head(2))
    for column in nullable:
        rows[0][column] = None
    status, answer = predict(service, rows)
    assert status == 200, answer
    assert len(answer["predictions"]) == 2


def test_the_request_model_is_documented_with_the_column_names(service):
    status, spec = call(f"{service}/openapi.json")
    assert status == 200
    row = spec["components"]["schemas"]["Row"]
    assert set(FEATURES) <= set(row["properties"]) and set(FEATURES) <= set(row["required"])


def test_unknown_paths_are_not_found(service):
    assert call(f"{service}/nowhere")[0] == 404
    assert call(f"{service}/health", b"{}")[0] == 405


# ------------------------------------------------------------------------ bad input


def test_a_wrong_type_is_refused_naming_the_field(service, labelled):
    column = FEATURES[0]
    value: Any = "not a number" if column in schema.NUMERIC_FEATURES else {"not": "text"}
    rows = rows_of(labelled.head(3))
    rows[1][column] = value
    status, answer = predict(service, rows)
    assert status == 422, answer
    assert [(e["row"], e["value"]) for e in named(answer, column)] == [(1, value)], answer


def test_a_number_must_be_finite(service, labelled):
    if not schema.NUMERIC_FEATURES:
        pytest.skip("no numeric feature")
    column = schema.NUMERIC_FEATURES[-1]
    rows = rows_of(labelled.head(2))
    rows[1][column] = float("inf")  # json.dumps writes Infinity, as some clients do
    status, answer = predict(service, rows)
    assert status == 422, answer
    assert [e["row"] for e in named(answer, column)] == [1], answer


def test_a_category_the_schema_does_not_allow_is_refused(service, labelled):
    column = next((c for c in FEATURES if "isin" in checks_of(c)), None)
    if column is None:
        pytest.skip("no feature column has a list of allowed values")
    rows = rows_of(labelled.head(3))
    rows[2][column] = "a category never seen"
    status, answer = predict(service, rows)
    assert status == 422, answer
    problems = named(answer, column)
    assert [(e["row"], e["value"]) for e in problems] == [(2, "a category never seen")], answer
    assert problems[0]["check"].startswith("isin")


def test_a_number_out_of_range_is_refused(service, labelled):
    column = next((c for c in schema.NUMERIC_FEATURES if "in_range" in checks_of(c)), None)
    if column is None:
        pytest.skip("no numeric feature has a range")
    check = next(c for c in schema.SCHEMA.columns[column].checks if c.name == "in_range")
    too_big = check.statistics["max_value"] + 1000
    rows = rows_of(labelled.head(3))
    rows[0][column] = too_big
    status, answer = predict(service, rows)
    assert status == 422, answer
    assert [(e["row"], e["value"]) for e in named(answer, column)] == [(0, too_big)], answer


def test_a_missing_feature_column_is_named(service, labelled):
    column = FEATURES[-1]
    rows = rows_of(labelled.head(2))
    del rows[1][column]
    status, answer = predict(service, rows)
    assert status == 422, answer
    assert [(e["row"], e["check"]) for e in named(answer, column)] == [(1, "missing")]


def test_null_where_the_schema_forbids_gaps_is_refused(service, labelled):
    column = next((c for c in FEATURES if not schema.SCHEMA.columns[c].nullable), None)
    if column is None:
        pytest.skip("every feature column may have gaps")
    rows = rows_of(labelled.head(2))
    rows[0][column] = None
    status, answer = predict(service, rows)
    assert status == 422, answer
    assert [e["row"] for e in named(answer, column)] == [0]


def test_an_unknown_column_is_refused(service, labelled):
    rows = rows_of(labelled.head(2))
    rows[0]["no such column"] = 1
    rows[1][schema.TARGET] = json.loads(labelled[schema.TARGET].head(2).to_json(orient="values"))[1]
    status, answer = predict(service, rows)
    assert status == 422, answer
    assert [e["check"] for e in named(answer, "no such column")] == ["extra_forbidden"]
    assert [e["row"] for e in named(answer, schema.TARGET)] == [1]


MALFORMED = {
    "not JSON": b"{not json",
    "not UTF-8": b"\xff\xfe",
    "empty": b"",
    "a list": b"[1]",
    "no rows": b'{"data": []}',
    "zero rows": b'{"rows": []}',
    "rows not objects": b'{"rows": [1]}',
    "rows not a list": b'{"rows": {"a": 1}}',
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_body_is_refused_with_a_message(service, body):
    status, answer = call(f"{service}/predict", body)
    assert status in (400, 422), answer
    assert isinstance(answer["detail"], str) and answer["detail"], answer


def test_a_body_not_sent_as_json_says_so(service, labelled):
    body = json.dumps({"rows": rows_of(labelled.head(1))}).encode()
    status, answer = call(f"{service}/predict", body, content_type="text/plain")
    assert status == 422 and "application/json" in answer["detail"], answer


def test_too_many_rows_are_refused_without_echoing_them(model_path, labelled):
    body = json.dumps({"rows": rows_of(labelled.head(1)) * (MAX_ROWS + 1)}).encode()
    # However wide this project's rows, the rows limit refuses this body, not the size limit.
    with running(
        create_app(SERVED, model_path, max_body_bytes=max(len(body), MAX_BODY_BYTES))
    ) as url:
        status, answer = call(f"{url}/predict", body)
    assert status == 422, answer
    assert [e["check"] for e in answer["errors"]] == ["too_long"]
    assert len(json.dumps(answer)) < 2000


def test_the_rows_limit_can_be_configured(model_path, labelled):
    with running(create_app(SERVED, model_path, max_rows=3)) as url:
        assert predict(url, rows_of(labelled.head(3)))[0] == 200
        status, answer = predict(url, rows_of(labelled.head(4)))
    assert status == 422, answer
    assert [e["check"] for e in answer["errors"]] == ["too_long"]
    assert "at most 3 items" in answer["detail"], answer


# ------------------------------------------------------------------ request size (413)

LIMIT = 2048
"""The body limit of the size tests: small, so the bodies they send stay small."""


@pytest.fixture
def limited(model_path: Path) -> Iterator[str]:
    """The base URL of an app taking request bodies of at most `LIMIT` bytes."""
    with running(create_app(SERVED, model_path, max_body_bytes=LIMIT)) as url:
        yield url


def assert_too_large(status: int, answer: Any) -> None:
    assert status == 413, answer
    assert f"limit of {LIMIT} bytes" in answer["detail"], answer
    assert answer["max_body_bytes"] == LIMIT


def test_a_content_length_over_the_limit_is_refused_unread(limited):
    # A gigabyte is promised and not a byte sent: only an answer given unread can arrive.
    headers = {"Content-Type": "application/json", "Content-Length": str(10**9)}
    assert_too_large(*post_raw(f"{limited}/predict", headers))
    assert total(scrape(limited)["http_requests"], "http_requests_total", status="413") == 1


@pytest.mark.parametrize("finished", [True, False], ids=["whole", "unfinished"])
def test_a_chunked_body_over_the_limit_is_refused(limited, labelled, finished):
    """Refused as soon as it passes the limit: an unfinished body is answered all the same."""
    row = rows_of(labelled.head(1))
    body = json.dumps({"rows": row * (LIMIT // len(json.dumps(row)) + 1)}).encode()
    assert len(body) > LIMIT
    assert_too_large(*post_raw(f"{limited}/predict", CHUNKED, chunked(body, last=finished)))


def padded(rows: list[dict[str, Any]], size: int) -> bytes:
    """A request for `rows`, padded with JSON whitespace to exactly `size` bytes."""
    body = json.dumps({"rows": rows}).encode()
    assert len(body) <= size, "the rows do not fit the size"
    return body + b" " * (size - len(body))


@pytest.mark.parametrize("transfer", ["content-length", "chunked"])
def test_a_body_of_the_limit_is_served_one_byte_more_is_not(model_path, labelled, transfer):
    rows = rows_of(labelled.head(2))
    limit = len(json.dumps({"rows": rows})) + 100
    with running(create_app(SERVED, model_path, max_body_bytes=limit)) as url:
        answers = []
        for size in (limit - 1, limit, limit + 1):
            body = padded(rows, size)
            if transfer == "chunked":
                answers.append(post_raw(f"{url}/predict", CHUNKED, chunked(body, size=64)))
            else:
                answers.append(call(f"{url}/predict", body))
    (under, status_under), (at, status_at), (over, status_over) = (
        (answer, status) for status, answer in answers
    )
    assert status_under == 200 and len(under["predictions"]) == 2, under
    assert status_at == 200 and len(at["predictions"]) == 2, at
    assert status_over == 413 and over["max_body_bytes"] == limit, over


def test_the_limits_come_from_the_command_line_or_the_environment(monkeypatch):
    monkeypatch.delenv("SERVE_MAX_ROWS", raising=False)
    monkeypatch.delenv("SERVE_MAX_BODY_BYTES", raising=False)
    defaults = parse_args([])
    assert (defaults.max_rows, defaults.max_body_bytes) == (MAX_ROWS, MAX_BODY_BYTES)
    monkeypatch.setenv("SERVE_MAX_ROWS", "500")
    monkeypatch.setenv("SERVE_MAX_BODY_BYTES", "1_000_000")
    from_env = parse_args([])
    assert (from_env.max_rows, from_env.max_body_bytes) == (500, 1_000_000)
    given = parse_args(["--max-rows", "7", "--max-body-bytes", "4096"])
    assert (given.max_rows, given.max_body_bytes) == (7, 4096)
    for bad in (["--max-rows", "0"], ["--max-body-bytes", "16MB"]):
        with pytest.raises(SystemExit) as stopped:
            parse_args(bad)
        assert stopped.value.code == 2
    monkeypatch.setenv("SERVE_MAX_ROWS", "lots")
    with pytest.raises(SystemExit):
        parse_args([])


# ------------------------------------------------------------------------ metrics


def scrape(url: str) -> dict[str, list]:
    """The samples of `/metrics`, by family name."""
    status, text = call(f"{url}/metrics")
    assert status == 200
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def total(samples: list, name: str, **labels: str) -> float:
    return sum(
        s.value
        for s in samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


def test_metrics_count_requests_and_predictions(service, labelled):
    assert call(f"{service}/health")[0] == 200
    assert predict(service, rows_of(labelled.head(3)))[0] == 200
    assert call(f"{service}/predict", b'{"rows": []}')[0] == 422
    assert call(f"{service}/nowhere")[0] == 404

    families = scrape(service)
    requests = families["http_requests"]
    assert total(requests, "http_requests_total", path="/health", method="GET", status="200") == 1
    assert total(requests, "http_requests_total", path="/predict", status="200") == 1
    assert total(requests, "http_requests_total", path="/predict", status="422") == 1
    assert total(requests, "http_requests_total", status="404") == 1
    latency = families["http_request_duration_seconds"]
    assert total(latency, "http_request_duration_seconds_count", path="/predict") == 2

    assert total(families["model_predictions"], "model_predictions_total") == 3
    if schema.TASK == "classification":
        histogram = families["model_prediction_probability"]
        for label in as_json_keys(schema.CLASSES):
            count = "model_prediction_probability_count"
            assert total(histogram, count, **{"class": label}) == 3
    else:
        histogram = families["model_prediction_value"]
        assert total(histogram, "model_prediction_value_count") == 3
        buckets = [s for s in histogram if s.name.endswith("_bucket")]
        assert buckets[-1].labels["le"] == "+Inf" and buckets[-1].value == 3


def test_each_app_has_its_own_metrics(model_path, labelled):
    with (
        running(create_app(SERVED, model_path)) as first,
        running(create_app(SERVED, model_path)) as second,
    ):
        assert predict(first, rows_of(labelled.head(2)))[0] == 200
        assert total(scrape(first)["model_predictions"], "model_predictions_total") == 2
        assert total(scrape(second)["model_predictions"], "model_predictions_total") == 0


# ------------------------------------------------------------------ start and fetch


def test_a_missing_model_stops_the_command_with_one_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(PROJECT / "src"), "MODEL_RELEASE": ""}
    env.pop("MODEL_PATH", None)
    command = [sys.executable, "-m", "{{ cookiecutter.package_name }}.serve"]
    done = subprocess.run(
        [*command, "--model", str(tmp_path / "models" / "model.skops")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "no such model file" in done.stderr


def test_a_tampered_model_is_refused(model_path):
    model_path.write_bytes(model_path.read_bytes() + b"\0")
    with pytest.raises(SystemExit) as stopped:
        main(["--model", str(model_path)])
    assert str(stopped.value.code).startswith("error: ") and "SHA-256" in stopped.value.code


class Untrusted:
    """A type skops does not trust by default: loading it could run unexpected code."""


def test_a_model_holding_untrusted_types_is_refused(tmp_path):
    path = tmp_path / "model.skops"
    save_model(Untrusted(), path)
    with pytest.raises(SystemExit) as stopped:
        main(["--model", str(path)])
    assert "does not trust" in str(stopped.value.code)


def fake_fetch_release(tag: str, folder: Path, files: tuple[str, ...] = ()) -> str:
    """`gitops_ml.model_files.fetch_release` with $FAKE_RELEASE standing in for the release:
    every file copied into `folder`, the champion's tag returned."""
    source = Path(os.environ["FAKE_RELEASE"])
    folder.mkdir(parents=True, exist_ok=True)
    for path in source.iterdir():
        shutil.copy(path, folder)
    return "model-20240101"


def test_fetch_runs_gitops_ml_when_no_model_is_there(tmp_path, trained, monkeypatch):
    release = tmp_path / "release"
    release.mkdir()
    shutil.copyfile(trained, release / "model.skops")
    (release / "SHA256SUMS").write_text(f"{sha256_file(trained)}  model.skops\n")
    monkeypatch.setattr(model_files, "fetch_release", fake_fetch_release)
    monkeypatch.setenv("FAKE_RELEASE", str(release))

    model_path = tmp_path / "models" / "model.skops"
    with pytest.raises(StageError, match="MODEL_RELEASE"):
        fetch_if_missing(model_path, None)
    assert fetch_if_missing(model_path, "latest") == "model-20240101"
    assert model_path.is_file()
    app = create_app(SERVED, model_path, "model-20240101")
    assert app.state.identity == {"release": "model-20240101", "sha256": sha256_file(trained)}
    # With the model there, nothing is fetched again.
    monkeypatch.setenv("FAKE_RELEASE", str(tmp_path / "nowhere"))
    assert fetch_if_missing(model_path, "model-7") == "model-7"
