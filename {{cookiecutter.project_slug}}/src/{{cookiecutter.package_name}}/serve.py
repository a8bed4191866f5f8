"""`serve [--port 8000] [--fetch --release TAG]`: this project's model over HTTP (FastAPI).

Rows are checked against schema.py and scored by `features.score`, the same function
`evaluate` uses; `gitops_ml.serve` is the service (endpoints, limits, metrics, `--help`).
Run it as `serve` or `python -m {{ cookiecutter.package_name }}.serve`.
"""

from __future__ import annotations

from gitops_ml import serve

from . import features, schema


def main(argv: list[str] | None = None) -> None:
    """The `serve` command, for this project's schema and features."""
    serve.main(argv, schema=schema, features=features, title="{{ cookiecutter.project_slug }}")


if __name__ == "__main__":
    main()
