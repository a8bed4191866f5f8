"""The prediction service: a FastAPI app serving a project's trained model over HTTP.

A baked project's `serve` command (its `serve.py`) calls `main` with its `schema` and `features`
modules; run it from the project root once `dvc repro` has trained the model (or `dvc pull`
fetched it):

    serve --port 8000                       # or: python -m <package>.serve

To serve a published model instead, fetch it from the repository's Releases first with
`gitops-ml fetch-model --tag <tag> --dest models` (SHA256SUMS-verified), or let `serve --fetch
--release <tag>` fetch it the same way when no model is there yet (the Docker image does so at
start). Nothing else here talks to GitHub.

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

The model is verified (checksum, the project's trusted types) at start; a missing, tampered or
untrusted model stops the service with a one-line error and exit status 1.

This module is the `serve` extra of gitops-ml: it needs fastapi, pydantic, prometheus-client and
uvicorn, which nothing else in the package imports.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType, ModuleType
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

from . import model_files
from .model_files import expected_digest, load_model
from .stage import StageError

MAX_ROWS = 10_000
"""The most rows one request may hold, unless configured (`--max-rows`, `SERVE_MAX_ROWS`)."""

MAX_BODY_BYTES = 16 * 1024 * 1024
"""The largest request body, in bytes, unless configured (`--max-body-bytes`,
`SERVE_MAX_BODY_BYTES`): 10,000 rows of a few dozen columns fit; parsing it costs a few times
its size in memory."""

MAX_ERRORS = 100
"""The most problems one 422 answer lists (the summary gives the total)."""


# ------------------------------------------------------------------- the served project


def request_schema(schema: ModuleType) -> pa.DataFrameSchema:
    """The project's schema without the target, checking each row on its own.

    The columns the model does not use are checked only if sent, and no column must be unique
    (the same customer may be scored twice in one request; uniqueness is a property of the
    training data).
    """
    features = schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES
    no_target = schema.SCHEMA.remove_columns([schema.TARGET])
    return no_target.update_columns(
        {name: {"required": name in features, "unique": False} for name in no_target.columns}
    )


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


def row_model(
    columns: pa.DataFrameSchema, features: tuple[str, ...]
) -> tuple[type[BaseModel], dict[str, str]]:
    """A pydantic model of one row of `columns` (the request schema), and its field names ->
    column names.

    Column names need not be Python identifiers ("Weight (kg)"): each column is a field named
    `c<i>` whose alias is the column name, so requests and error messages use the real name.
    """
    fields: dict[str, Any] = {}
    names: dict[str, str] = {}
    for i, (name, column) in enumerate(columns.columns.items()):
        value = _value_type(column)
        if column.nullable or name not in features:
            value = value | None
        default = ... if name in features else None  # features must be sent, even as null
        fields[f"c{i}"] = (value, Field(default, alias=name))
        names[f"c{i}"] = name
    config = ConfigDict(extra="forbid", coerce_numbers_to_str=True)
    return create_model("Row", __config__=config, **fields), names


def prediction_buckets(target: pa.Column) -> list[float]:
    """Histogram buckets for predicted values: ten steps over the target's range in the
    schema, or powers of ten either side of zero when the schema gives no range."""
    for check in target.checks:
        stats = check.statistics or {}
        if check.name == "in_range":
            low, high = float(stats["min_value"]), float(stats["max_value"])
            if math.isfinite(low) and math.isfinite(high) and high > low:
                steps = (low + (high - low) * i / 10 for i in range(11))
                return sorted({float(f"{step:.4g}") for step in steps})
    decades = [m * 10.0**e for e in range(-1, 7) for m in (1, 5)]
    return sorted({0.0, *decades, *(-d for d in decades)})


@dataclass(frozen=True)
class ServedProject:
    """What the service knows of the project it serves, derived once from the project's
    `schema` and `features` modules (`from_modules`); nothing else here holds project state."""

    title: str
    """The app's title (the project's name), shown by the OpenAPI documentation."""
    task: str
    target: str
    features: tuple[str, ...]
    """The feature columns, which every row must hold (numeric, then categorical)."""
    request_schema: pa.DataFrameSchema
    row: type[BaseModel]
    """The pydantic model of one request row (`row_model`)."""
    row_columns: Mapping[str, str]
    """The row model's field names -> column names."""
    buckets: tuple[float, ...]
    """The histogram buckets of predicted values (regression)."""
    score: Callable[[Any, pd.DataFrame], pd.DataFrame]
    """The project's one scoring function, `features.score`."""
    trusted_types: tuple[str, ...]
    """The types beyond skops' defaults a model may hold, `features.TRUSTED_TYPES`."""

    @classmethod
    def from_modules(cls, schema: ModuleType, features: ModuleType, title: str) -> ServedProject:
        """The served project whose `schema.py` and `features.py` are `schema` and `features`."""
        names = tuple(schema.NUMERIC_FEATURES + schema.CATEGORICAL_FEATURES)
        checked = request_schema(schema)
        row, columns = row_model(checked, names)
        return cls(
            title=title,
            task=schema.TASK,
            target=schema.TARGET,
            features=names,
            request_schema=checked,
            row=row,
            row_columns=MappingProxyType(columns),
            buckets=tuple(prediction_buckets(schema.SCHEMA.columns[schema.TARGET])),
            score=features.score,
            trusted_types=tuple(features.TRUSTED_TYPES),
        )

    @property
    def classifies(self) -> bool:
        """Whether the project's TASK is classification."""
        return self.task == "classification"


# ------------------------------------------------------------------- the request model


def request_model(project: ServedProject, max_rows: int = MAX_ROWS) -> type[BaseModel]:
    """The body of `POST /predict`: 1 to `max_rows` rows, each a JSON object keyed by column.

    pydantic checks the length before any row, so too many rows cost no row validation.
    """
    row = project.row
    return create_model(
        "PredictRequest",
        __config__=ConfigDict(extra="forbid"),
        __doc__="A batch of rows to predict, each a JSON object keyed by column name.",
        rows=(list[row], Field(min_length=1, max_length=max_rows)),  # type: ignore[valid-type]
    )


def rows_frame(project: ServedProject, rows: list[BaseModel]) -> pd.DataFrame:
    """The rows as a frame: every feature, plus the other columns any row sent."""
    columns = project.row_columns
    records = [
        {
            c: getattr(row, f)
            for f, c in columns.items()
            if f in row.model_fields_set or c in project.features
        }
        for row in rows
    ]
    sent = {column for record in records for column in record}
    order = [column for column in project.request_schema.columns if column in sent]
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


def _body_problem(
    loc: list[Any], error: dict[str, Any], check: str, message: str
) -> dict[str, Any]:
    """A problem with the body as a whole, or with one row as a whole (not one of its values)."""
    where = ".".join(str(part) for part in loc) or "body"
    if isinstance(error.get("input"), bytes):  # not parsed: not declared as JSON
        message = "not read as JSON; send it with Content-Type: application/json"
    elif check in ("missing", "model_attributes_type") and len(loc) < 2:
        message += ' (expected {"rows": [{"<column>": value, ...}, ...]})'
    row = loc[1] if len(loc) == 2 and loc[0] == "rows" else None
    return _problem(row, None, check, None, f"{where}: {message}")


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
            problems.append(_body_problem(loc, error, check, message))
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


class Telemetry:
    """The app's Prometheus metrics, in a registry of its own (several apps never clash)."""

    def __init__(self, project: ServedProject, release: str | None, sha256: str):
        self.classifies = project.classifies
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
        self._prediction_metrics(project.buckets)

    def _prediction_metrics(self, buckets: tuple[float, ...]) -> None:
        """The metrics of predictions: by class and probability, or count and value."""
        if self.classifies:
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
                buckets=list(buckets),
                registry=self.registry,
            )

    def observe(self, answer: dict[str, Any]) -> None:
        """Record the predictions of one answered request."""
        if self.classifies:
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


def predict(project: ServedProject, model: Any, frame: pd.DataFrame) -> dict[str, Any]:
    """Predictions (and class probabilities) for validated rows, as plain Python values."""
    scored = project.score(model, frame)
    predictions = [_plain(v) for v in scored["prediction"].tolist()]
    if not project.classifies:
        return {"predictions": predictions}
    classes = model.classes_.tolist()
    proba = scored[[f"probability_{label}" for label in classes]].to_numpy()
    return {
        "predictions": predictions,
        "probabilities": [dict(zip(classes, p.tolist(), strict=True)) for p in proba],
    }


def load_served_model(project: ServedProject, model_path: Path) -> tuple[Any, str]:
    """The model at `model_path`, verified (checksum, trusted types), and its SHA-256.

    A missing, tampered or untrusted model, or a regressor for a classification project,
    raises `StageError`.
    """
    if not model_path.is_file():
        raise StageError(
            f"{model_path}: no such model file (train it with `dvc repro`, or fetch a release"
            " with `gitops-ml fetch-model` or `serve --fetch --release <tag>`)"
        )
    digest = expected_digest(model_path)
    model = load_model(model_path, project.trusted_types, digest)
    if project.classifies and not hasattr(model, "predict_proba"):
        raise StageError(
            f"{model_path}: not a classifier, but schema.py says TASK = classification"
        )
    return model, digest


# --------------------------------------------------------------------------- the app


def _request_counter(
    telemetry: Telemetry,
) -> Callable[[Request, Callable[[Request], Awaitable[Response]]], Awaitable[Response]]:
    """The HTTP middleware counting every answered request and timing it, by route."""

    async def count_requests(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
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

    return count_requests


async def _invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
    """A request the request model refuses: 422 with one problem per pydantic error."""
    return unprocessable(request_problems(list(error.errors())), "in the request")


def _add_routes(app: FastAPI, project: ServedProject, metrics: Any, max_rows: int) -> None:
    """`/health`, `/version`, `/metrics` and `/predict`, for the model in `app.state`."""
    model, identity, telemetry = app.state.model, app.state.identity, app.state.telemetry

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
            frame = project.request_schema.validate(rows_frame(project, request.rows), lazy=True)
        except pa.errors.SchemaErrors as err:
            return unprocessable(schema_problems(err), "against the data schema")
        answer = predict(project, model, frame)
        telemetry.observe(answer)
        return JSONResponse({**answer, "model": identity})

    # This app's own request model (its rows limit), as a class: FastAPI would look a string
    # annotation up among the module's globals, where it is not.
    predict_rows.__annotations__["request"] = request_model(project, max_rows)
    app.post("/predict")(predict_rows)


def create_app(
    project: ServedProject,
    model_path: Path,
    release: str | None = None,
    *,
    max_rows: int = MAX_ROWS,
    max_body_bytes: int = MAX_BODY_BYTES,
) -> FastAPI:
    """The service of `project` for the model at `model_path`, loaded and verified now.

    `release` is the tag it was fetched from, if any, reported by `/version` and `/predict`.
    A request may hold at most `max_rows` rows (else 422) in at most `max_body_bytes` bytes
    (else 413). A missing, tampered or untrusted model raises `StageError`.
    """
    model, digest = load_served_model(project, model_path)
    metrics = _plain(read_metrics(model_path))
    app = FastAPI(
        title=project.title,
        description=f"Predicts {project.target!r} ({project.task}) from rows of the data schema.",
        version=release or digest[:12],
    )
    app.state.model = model
    app.state.identity = {"release": release, "sha256": digest}
    app.state.telemetry = Telemetry(project, release, digest)
    # Added before the metrics middleware, so inside it: 413s are counted too.
    app.add_middleware(BodyLimit, limit=max_body_bytes)
    app.middleware("http")(_request_counter(app.state.telemetry))
    app.exception_handler(RequestValidationError)(_invalid_request)
    _add_routes(app, project, metrics, max_rows)
    return app


# ----------------------------------------------------------------------- the command


def fetch_if_missing(model_path: Path, release: str | None) -> str | None:
    """Unless a model is at `model_path`, fetch `release` into its folder; return the tag.

    Fetches with `gitops_ml.model_files.fetch_release` (what `gitops-ml fetch-model` does;
    needs GITHUB_TOKEN and GITHUB_REPOSITORY), which verifies the files against the release's
    SHA256SUMS. `latest` fetches the champion and returns its real tag.
    """
    if model_path.is_file():
        return release
    if not release:
        raise StageError(
            f"{model_path}: no such model file; train one (`dvc repro`), or set MODEL_RELEASE"
            " (or --release) to a release tag, or latest, to fetch one"
        )
    print(f"serve: fetching release {release} into {model_path.parent}", file=sys.stderr)
    tag = model_files.fetch_release(release, model_path.parent)
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


def main(
    argv: list[str] | None = None, *, schema: ModuleType, features: ModuleType, title: str
) -> None:
    """Serve the model of the project whose `schema.py` and `features.py` are `schema` and
    `features`, titled `title`, until interrupted (Ctrl-C or SIGTERM)."""
    args = parse_args(argv)
    project = ServedProject.from_modules(schema, features, title)
    try:
        release = fetch_if_missing(args.model, args.release) if args.fetch else args.release
        app = create_app(
            project, args.model, release, max_rows=args.max_rows, max_body_bytes=args.max_body_bytes
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
