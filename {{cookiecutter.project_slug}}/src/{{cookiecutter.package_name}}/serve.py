"""A small HTTP prediction service for the trained model, on the standard library alone.

Run it from the project root once `dvc repro` has trained the model (or `dvc pull` fetched it):

    python -m {{ cookiecutter.package_name }}.serve --port 8000

`GET /health` says it is up; `GET /version` gives the model's SHA-256 and its test metrics;
`POST /predict` takes `{"rows": [{"column": value, ...}, ...]}`. Rows are checked against the
data schema (all but the target) before the model sees them: a row that breaks it gets a 422
listing every failure, never a guess. The model is loaded once, verified, at start.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
import pandera.pandas as pa

from . import schema
from .features import features
from .model_io import expected_digest, load_model
from .stage import StageError

MAX_BODY = 10 * 1024 * 1024
"""The largest request body accepted, in bytes."""

_FEATURES = set(schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES)
_NO_TARGET = schema.SCHEMA.remove_columns([schema.TARGET])
REQUEST_SCHEMA = _NO_TARGET.update_columns(
    {name: {"required": False} for name in _NO_TARGET.columns if name not in _FEATURES}
)
"""The schema without the target; columns the model does not use are checked only if sent."""


class _Reject(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


def _plain(value: Any) -> Any:
    """`value` ready for JSON: numpy scalars unwrapped, NaN as null, infinities as text."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    return value


def schema_errors(error: pa.errors.SchemaErrors) -> list[dict[str, Any]]:
    """One entry per failing value: column, check, the value (or missing column) and row."""
    errors = []
    for column, check, case, row in error.failure_cases[
        ["column", "check", "failure_case", "index"]
    ].itertuples(index=False):
        missing = check == "column_in_dataframe"  # pandera puts the column in failure_case
        errors.append(
            {
                "column": _plain(case if missing else column),
                "check": str(check),
                "failure_case": _plain(case),
                "row": _plain(row),
            }
        )
    return errors


def predict(model: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Predict for `rows`; raise pandera's `SchemaErrors` if they break the schema."""
    frame = REQUEST_SCHEMA.validate(pd.DataFrame.from_records(rows), lazy=True)
    x = features(frame)
    if schema.TASK != "classification":
        return {"predictions": model.predict(x).tolist()}
    proba = model.predict_proba(x)
    classes = model.classes_.tolist()
    return {
        "predictions": [classes[i] for i in proba.argmax(axis=1)],
        "probabilities": [dict(zip(classes, p.tolist(), strict=True)) for p in proba],
    }


class PredictionServer(ThreadingHTTPServer):
    """An HTTP server holding the verified model and what `/version` reports about it."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], model_path: Path):
        self.model = load_model(model_path)
        self.model_sha256 = expected_digest(model_path)
        # `evaluate` writes metrics.json at the project root, the folder holding models/.
        metrics = model_path.parent.parent / "metrics.json"
        self.metrics = json.loads(metrics.read_bytes()) if metrics.is_file() else None
        super().__init__(address, _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: PredictionServer

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == "/health":
            self._send(200, {"status": "ok"})
        elif path == "/version":
            version = {"model_sha256": self.server.model_sha256, "metrics": self.server.metrics}
            self._send(200, version)
        else:
            self._send(404, {"error": f"no such endpoint: GET {path}"})

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if path != "/predict":
            self._send(404, {"error": f"no such endpoint: POST {path}"})
            return
        try:
            self._send(200, predict(self.server.model, self._rows()))
        except _Reject as err:
            self._send(err.status, {"error": str(err)})
        except pa.errors.SchemaErrors as err:
            self._send(422, {"errors": schema_errors(err)})
        except Exception as err:  # a bug, not bad input: answer, log it and keep serving
            self.log_error("prediction failed: %r", err)
            self._send(500, {"error": "prediction failed; see the server log"})

    def _rows(self) -> list[dict[str, Any]]:
        length = self.headers.get("Content-Length", "0")
        if not (length.isascii() and length.isdigit()):
            raise _Reject(400, "Content-Length must be a number of bytes")
        if int(length) > MAX_BODY:
            raise _Reject(413, f"the body is larger than {MAX_BODY:,} bytes")
        try:
            body = json.loads(self.rfile.read(int(length)))
        except ValueError as err:
            raise _Reject(400, f"the body is not valid JSON: {err}") from err
        rows = body.get("rows") if isinstance(body, dict) else None
        if not rows or not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise _Reject(400, 'expected {"rows": [{"column": value, ...}, ...]}, at least one row')
        return rows

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, default=str).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def make_server(model_path: Path, host: str, port: int) -> ThreadingHTTPServer:
    """Load and verify the model, and bind the service to `host:port` (port 0: any free one).

    Call `serve_forever()` on the result to serve; a bad model raises `StageError`.
    """
    return PredictionServer((host, port), model_path)


def main(argv: list[str] | None = None) -> None:
    """Serve the model until interrupted (Ctrl-C or SIGTERM)."""
    parser = argparse.ArgumentParser(description="Serve the model's predictions over HTTP.")
    parser.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    parser.add_argument(
        "--model",
        type=Path,
        default=Path(os.environ.get("MODEL_PATH") or "models/model.skops"),
        help="the .skops model, its .sha256 beside it (default: $MODEL_PATH or %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        server = make_server(args.model, args.host, args.port)
    except (StageError, OSError, ValueError) as err:
        sys.exit(f"error: {err}")
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `docker stop` ends it cleanly
    host, port = server.server_address[:2]
    digest = expected_digest(args.model)[:12]
    print(f"serve: {args.model} (sha256 {digest}) on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
