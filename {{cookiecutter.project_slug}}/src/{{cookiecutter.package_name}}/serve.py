"""The prediction service: a FastAPI app serving the trained model over HTTP.

Run it from the project root once `dvc repro` has trained the model (or `dvc pull` fetched it):

    serve --port 8000                       # or: python -m {{ cookiecutter.package_name }}.serve

To serve a published model instead, fetch it from the repository's Releases first with
`gitops-ml fetch-model --tag <tag> --dest models` (SHA256SUMS-verified), or let `serve --fetch
--release <tag>` run that command when no model is there yet (the Docker image does so at start).
This module never talks to GitHub itself.

Endpoints:

- `POST /predict` takes `{"rows": [{"<column>": value, ...}, ...]}`, 1 to 10,000 rows
  (`--max-rows` or `SERVE_MAX_ROWS`). Every feature column of `schema.py` must be in every row
  (`null` where the schema allows gaps); the columns the model does not use may be sent and are
  then checked too; any other key, the target included, is refused, so a misspelt column is an
  error rather than a silent gap.
  Rows are checked twice before the model sees them: types by the request model (built from the
  schema), then values by the pandera schema (categories, ranges, ...). Either failure answers
  422 with one entry per problem: `row`, `column`, `check`, `value`, `message`.
- A request body over 16 MiB (`--max-body-bytes` or `SERVE_MAX_BODY_BYTES`) answers 413 before
  it is parsed: a larger Content-Length is refused unread, a chunked body as soon as it passes
  the limit.
- `GET /health` answers `{"status": "ok"}`: the app exists only once the model is loaded.
- `GET /version` gives the release tag (if known), the model's SHA-256 and its test metrics.
- `GET /metrics` is the Prometheus exposition: requests, latency, and predictions.

The model is verified (checksum, trusted types) at start; a missing, tampered or untrusted model
stops the service with a one-line error and exit status 1.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import pandera.pandas as pa
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic import (
    AllowInfNan,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    create_model,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from . import schema
from .features import score
from .model_io import expected_digest, load_model
from .model_io import fetch_release as fetch_model_release
from .stage import StageError

MAX_ROWS = 10_000
"""The most rows one request may hold, unless configured (`--max-rows`, `SERVE_MAX_ROWS`)."""

MAX_BODY_BYTES = 16 * 1024 * 1024
"""The largest request body, in bytes, unless configured (`--max-body-bytes`,
`SERVE_MAX_BODY_BYTES`): 10,000 rows of a few dozen columns fit; parsing it costs a few times
its size in memory."""

MAX_ERRORS = 100
"""The most problems one 422 answer lists (the summary gives the total)."""

"""The checksum file of a release fetched by `gitops-ml fetch-model`."""

FEATURES = schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES
_NO_TARGET = schema.SCHEMA.remove_columns([schema.TARGET])
REQUEST_SCHEMA = _NO_TARGET.update_columns(
    {name: {"required": name in FEATURES, "unique": False} for name in _NO_TARGET.columns}
)
"""The schema without the target, checking each row on its own: the columns the model does not
use are checked only if sent, and no column must be unique (the same customer may be scored
twice in one request; uniqueness is a property of the training data)."""


# ------------------------------------------------------------------- the request model


def _whole_number(value: Any) -> Any:
    """Let 3.0 through as 3 for integer columns (JSON writers often emit it); 3.5 stays wrong."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _value_type(column: pa.Column) -> Any:
    """The JSON value a column takes: numbers must be numbers, text is text."""
    dtype = str(column.dtype).lower()
    if dtype.startswith(("int", "uint")):
        return Annotated[int, BeforeValidator(_whole_number), Strict()]
    if dtype.startswith("float"):
        # JSON integers are numbers too; "1.5" is not, nor NaN or Infinity (a gap is null).
        return Annotated[float, Strict(), AllowInfNan(False)]
    if dtype.startswith("bool"):
        return Annotated[bool, Strict()]
    return str  # numbers are taken as their text (the row config), the schema checks the rest


def _row_model() -> tuple[type[BaseModel], dict[str, str]]:
    """A pydantic model of one row, and its field names -> column names.

    Column names need not be Python identifiers ("Weight (kg)"): each column is a field named
    `c<i>` whose alias is the column name, so requests and error messages use the real name.
    """
    fields: dict[str, Any] = {}
    columns: dict[str, str] = {}
    for i, (name, column) in enumerate(REQUEST_SCHEMA.columns.items()):
        value = _value_type(column)
        if column.nullable or name not in FEATURES:
            value = value | None
        default = ... if name in FEATURES else None  # features must be sent, even as null
        fields[f"c{i}"] = (value, Field(default, alias=name))
        columns[f"c{i}"] = name
    config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)
    return create_model("Row", __config__=config, **fields), columns


Row, ROW_COLUMNS = _row_model()
_FEATURE_FIELDS = {field for field, column in ROW_COLUMNS.items() if column in FEATURES}


def request_model(max_rows: int = MAX_ROWS) -> type[BaseModel]:
    """The body of `POST /predict`: 1 to `max_rows` rows, each a JSON object keyed by column.

    pydantic checks the length before any row, so too many rows cost no row validation.
    """
    return create_model(
        "PredictRequest",
        __config__=ConfigDict(extra="forbid"),
        __doc__="A batch of rows to predict, each a JSON object keyed by column name.",
        rows=(list[Row], Field(min_length=1, max_length=max_rows)),  # type: ignore[valid-type]
    )


def rows_frame(rows: list[BaseModel]) -> pd.DataFrame:
    """The rows as a frame: every feature, plus the other columns any row sent."""
    records = [
        {
            c: getattr(row, f)
            for f, c in ROW_COLUMNS.items()
            if f in row.model_fields_set or f in _FEATURE_FIELDS
        }
        for row in rows
    ]
    sent = {column for record in records for column in record}
    order = [column for column in REQUEST_SCHEMA.columns if column in sent]
    return pd.DataFrame.from_records(records, columns=order)


# ---------------------------------------------------------------------- problems (422)


def _plain(value: Any) -> Any:
    """`value` ready for strict JSON: numpy scalars unwrapped, NaN as null, infinities as text,
    containers recursively, anything else as its text."""
    value = value.item() if hasattr(value, "item") else value
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _problem(row: Any, column: Any, check: str, value: Any, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "check": check, "value": value, "message": message}


def request_problems(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pydantic's errors as problems: (body, rows, <row>, <column>) locations become fields."""
    problems = []
    for error in errors:
        loc = [part for part in error.get("loc", ()) if part != "body"]
        check = str(error.get("type", "invalid"))
        message = str(error.get("msg", "invalid"))
        if check == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            message = f"the body is not valid JSON ({reason} at character {loc[0] if loc else 0})"
            problems.append(_problem(None, None, check, None, message))
        elif len(loc) == 3 and loc[0] == "rows":
            value = None if check == "missing" else _plain(error.get("input"))
            message = f"row {loc[1]}, column {loc[2]!r}: {message}"
            problems.append(_problem(loc[1], str(loc[2]), check, value, message))
        else:
            where = ".".join(str(part) for part in loc) or "body"
            if isinstance(error.get("input"), bytes):  # not parsed: not declared as JSON
                message = "not read as JSON; send it with Content-Type: application/json"
            elif check in ("missing", "model_attributes_type") and len(loc) < 2:
                message += ' (expected {"rows": [{"<column>": value, ...}, ...]})'
            row = loc[1] if len(loc) == 2 and loc[0] == "rows" else None
            problems.append(_problem(row, None, check, None, f"{where}: {message}"))
    return problems


def schema_problems(error: pa.errors.SchemaErrors) -> list[dict[str, Any]]:
    """pandera's failure cases as problems: one per failing value (row, column, check, value)."""
    problems = []
    cases = error.failure_cases[["column", "check", "failure_case", "index"]]
    for column, check, case, index in cases.itertuples(index=False):
        if check == "column_in_dataframe":  # pandera puts the missing column in failure_case
            column, case = case, None
        row = None if pd.isna(index) else int(index)
        column = None if pd.isna(column) else str(column)
        value = _plain(case)
        where = f"row {row}, " if row is not None else ""
        message = f"{where}column {column!r}: {value!r} fails {check}"
        problems.append(_problem(row, column, str(check), value, message))
    return problems


def unprocessable(problems: list[dict[str, Any]], what: str) -> JSONResponse:
    """The 422 answer: a one-line summary, then the first `MAX_ERRORS` problems."""
    first = problems[0]["message"] if problems else ""
    detail = f"{len(problems)} problem(s) {what}: {first}"
    body = {"detail": detail, "errors": problems[:MAX_ERRORS]}
    return JSONResponse(body, status_code=422)


# ------------------------------------------------------------------- the body limit (413)


class BodyLimit:
    """ASGI middleware answering 413 to a request body over `limit` bytes, before it is parsed.

    A Content-Length over the limit is refused without reading the body; a body without one
    (chunked) is read only until it passes the limit. A body within it is handed on whole, as
    the app reads it whole anyway to parse it.
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.limit:
            await self.refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nobody to answer
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.limit:
                await self.refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)

        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # only a disconnect can follow
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413, and close the connection: the rest of the body is never read."""
        detail = (
            f"the request body is larger than this service's limit of {self.limit} bytes;"
            " send fewer rows per request"
        )
        answer = JSONResponse(
            {"detail": detail, "max_body_bytes": self.limit},
            status_code=413,
            headers={"Connection": "close"},
        )
        await answer(scope, receive, send)


# ------------------------------------------------------------------------ the model


def read_metrics(model_path: Path) -> dict[str, Any] | None:
    """The model's test metrics: `metrics.json` beside it (a fetched release), else at the
    project root (`models/`' parent, where `evaluate` writes it); None if neither exists."""
    for path in (model_path.parent / "metrics.json", model_path.parent.parent / "metrics.json"):
        if path.is_file():
            try:
                return json.loads(path.read_text(encoding="utf-8"))
            except ValueError as err:
                raise StageError(f"{path}: not valid JSON ({err})") from err
    return None


def _prediction_buckets() -> list[float]:
    """Histogram buckets for predicted values: ten steps over the target's range in the
    schema, or powers of ten either side of zero when the schema gives no range."""
    target = schema.SCHEMA.columns[schema.TARGET]
    for check in target.checks:
        stats = check.statistics or {}
        if check.name == "in_range":
            low, high = float(stats["min_value"]), float(stats["max_value"])
            if math.isfinite(low) and math.isfinite(high) and high > low:
                steps = (low + (high - low) * i / 10 for i in range(11))
                return sorted({float(f"{step:.4g}") for step in steps})
    decades = [m * 10.0**e for e in range(-1, 7) for m in (1, 5)]
    return sorted({0.0, *decades, *(-d for d in decades)})


class Telemetry:
    """The app's Prometheus metrics, in a registry of its own (several apps never clash)."""

    def __init__(self, release: str | None, sha256: str):
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests",
            "HTTP requests answered, by route, method and status",
            ["path", "method", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by route and method",
            ["path", "method"],
            registry=self.registry,
        )
        info = Gauge(
            "model_info",
            "The model being served (always 1)",
            ["release", "sha256"],
            registry=self.registry,
        )
        info.labels(release=release or "", sha256=sha256).set(1)
        if schema.TASK == "classification":
            self.predicted = Counter(
                "model_predictions",
                "Rows predicted, by predicted class",
                ["class"],
                registry=self.registry,
            )
            self.probability = Histogram(
                "model_prediction_probability",
                "Predicted probability of each class, per row",
                ["class"],
                buckets=[i / 10 for i in range(1, 11)],
                registry=self.registry,
            )
        else:
            self.predicted = Counter("model_predictions", "Rows predicted", registry=self.registry)
            self.value = Histogram(
                "model_prediction_value",
                "Predicted values",
                buckets=_prediction_buckets(),
                registry=self.registry,
            )

    def observe(self, answer: dict[str, Any]) -> None:
        """Record the predictions of one answered request."""
        if schema.TASK == "classification":
            for predicted, probabilities in zip(
                answer["predictions"], answer["probabilities"], strict=True
            ):
                self.predicted.labels(str(predicted)).inc()
                for label, probability in probabilities.items():
                    self.probability.labels(str(label)).observe(probability)
        else:
            self.predicted.inc(len(answer["predictions"]))
            for value in answer["predictions"]:
                self.value.observe(value)


def predict(model: Any, frame: pd.DataFrame) -> dict[str, Any]:
    """Predictions (and class probabilities) for validated rows, as plain Python values."""
    scored = score(model, frame)
    predictions = [_plain(v) for v in scored["prediction"].tolist()]
    if schema.TASK != "classification":
        return {"predictions": predictions}
    classes = model.classes_.tolist()
    proba = scored[[f"probability_{label}" for label in classes]].to_numpy()
    return {
        "predictions": predictions,
        "probabilities": [dict(zip(classes, p.tolist(), strict=True)) for p in proba],
    }


# --------------------------------------------------------------------------- the app


def create_app(
    model_path: Path,
    release: str | None = None,
    *,
    max_rows: int = MAX_ROWS,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The service for the model at `model_path`, loaded and verified now.

    `release` is the tag it was fetched from, if any, reported by `/version` and `/predict`.
    A request may hold at most `max_rows` rows (else 422) in at most `max_body_bytes` bytes
    (else 413). A missing, tampered or untrusted model raises `StageError`.
    """
    if not model_path.is_file():
        raise StageError(
            f"{model_path}: no such model file (train it with `dvc repro`, or fetch a release"
            " with `gitops-ml fetch-model` or `serve --fetch --release <tag>`)"
        )
    digest = expected_digest(model_path)
    model = load_model(model_path, digest)
    if schema.TASK == "classification" and not hasattr(model, "predict_proba"):
        raise StageError(
            f"{model_path}: not a classifier, but schema.py says TASK = classification"
        )
    identity = {"release": release, "sha256": digest}
    metrics = _plain(read_metrics(model_path))
    telemetry = Telemetry(release, digest)

    app = FastAPI(
        title="{{ cookiecutter.project_slug }}",
        description=f"Predicts {schema.TARGET!r} ({schema.TASK}) from rows of the data schema.",
        version=release or digest[:12],
    )
    app.state.model = model
    app.state.identity = identity
    app.state.telemetry = telemetry
    # Added before the metrics middleware, so inside it: 413s are counted too.
    app.add_middleware(BodyLimit, limit=max_body_bytes)

    @app.middleware("http")
    async def count_requests(request: Request, call_next):
        start = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
            return response
        finally:
            route = request.scope.get("route")
            path = getattr(route, "path", "unmatched")  # routes, not raw paths: few labels
            telemetry.requests.labels(path, request.method, str(status)).inc()
            telemetry.latency.labels(path, request.method).observe(time.perf_counter() - start)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        return unprocessable(request_problems(list(error.errors())), "in the request")

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/version")
    def version() -> dict[str, Any]:
        return {"model": identity, "metrics": metrics}

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(generate_latest(telemetry.registry), media_type=CONTENT_TYPE_LATEST)

    def predict_rows(request: Any) -> JSONResponse:
        try:
            frame = REQUEST_SCHEMA.validate(rows_frame(request.rows), lazy=True)
        except pa.errors.SchemaErrors as err:
            return unprocessable(schema_problems(err), "against the data schema")
        answer = predict(model, frame)
        telemetry.observe(answer)
        return JSONResponse({**answer, "model": identity})

    # This app's own request model (its rows limit), as a class: FastAPI would look a string
    # annotation up among the module's globals, where it is not.
    predict_rows.__annotations__["request"] = request_model(max_rows)
    app.post("/predict")(predict_rows)
    return app


# ----------------------------------------------------------------------- the command


def fetch_release(model_path: Path, release: str | None) -> str | None:
    """Unless a model is at `model_path`, fetch `release` into its folder; return the tag.

    Runs `gitops-ml fetch-model --tag <release> --dest <folder>` (needs GITHUB_TOKEN and
    GITHUB_REPOSITORY), which verifies the files against the release's SHA256SUMS. `latest`
    fetches the champion and returns its real tag.
    """
    if model_path.is_file():
        return release
    if not release:
        raise StageError(
            f"{model_path}: no such model file; train one (`dvc repro`), or set MODEL_RELEASE"
            " (or --release) to a release tag, or latest, to fetch one"
        )
    tag = fetch_model_release(release, model_path.parent)
    if not model_path.is_file():
        raise StageError(f"release {tag} holds no {model_path.name}")
    return tag


def _positive_int(text: str) -> int:
    """A whole number above 0, for the limits (`_` may group digits: 16_777_216)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number above 0")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command's options; the environment gives the defaults named in `--help`."""
    parser = argparse.ArgumentParser(description="Serve the model's predictions over HTTP.")
    parser.add_argument("--host", default="127.0.0.1", help="address (default: %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    parser.add_argument(
        "--model",
        type=Path,
        default=Path(os.environ.get("MODEL_PATH") or "models/model.skops"),
        help="the .skops model, its checksum beside it (default: $MODEL_PATH or %(default)s)",
    )
    parser.add_argument(
        "--release",
        default=os.environ.get("MODEL_RELEASE") or None,
        help="the release tag the model comes from, shown by /version (default: $MODEL_RELEASE)",
    )
    parser.add_argument(
        "--fetch",
        action="store_true",
        help="if no model is there, fetch --release (a tag, or latest) with gitops-ml first",
    )
    # String defaults go through `type` too, so a bad environment value is refused alike.
    parser.add_argument(
        "--max-rows",
        type=_positive_int,
        default=os.environ.get("SERVE_MAX_ROWS") or str(MAX_ROWS),
        help=f"the most rows one POST /predict may hold (default: $SERVE_MAX_ROWS or {MAX_ROWS})",
    )
    parser.add_argument(
        "--max-body-bytes",
        type=_positive_int,
        default=os.environ.get("SERVE_MAX_BODY_BYTES") or str(MAX_BODY_BYTES),
        help="the largest request body in bytes, larger ones get 413"
        f" (default: $SERVE_MAX_BODY_BYTES or {MAX_BODY_BYTES}, 16 MiB)",
    )
    parser.add_argument("--log-level", default="info", help="uvicorn's (default: %(default)s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Serve the model until interrupted (Ctrl-C or SIGTERM)."""
    args = parse_args(argv)
    try:
        release = fetch_release(args.model, args.release) if args.fetch else args.release
        app = create_app(
            args.model, release, max_rows=args.max_rows, max_body_bytes=args.max_body_bytes
        )
    except StageError as err:
        sys.exit(f"error: {err}")
    except Exception as err:  # an unreadable model file: say which, in one line
        sys.exit(f"error: {args.model}: cannot load the model ({type(err).__name__}: {err})")

    import uvicorn

    source = f"release {release}, " if release else ""
    digest = app.state.identity["sha256"][:12]
    where = f"http://{args.host}:{args.port}"
    print(f"serve: {args.model} ({source}sha256 {digest}) on {where}", flush=True)
    print(
        f"serve: at most {args.max_rows} rows and {args.max_body_bytes} bytes per request",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)


if __name__ == "__main__":
    main()
