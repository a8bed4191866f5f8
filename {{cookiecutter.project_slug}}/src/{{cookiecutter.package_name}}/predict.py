"""`predict INPUT [-o OUTPUT] [--model PATH | --release TAG]`: score a CSV or Parquet file.

Rows are checked against schema.py (without the target) and scored by `features.score`, the
same function `evaluate` uses; `gitops_ml.predict` does the reading, checking and writing.
"""

from __future__ import annotations

import sys

from gitops_ml import predict

from . import features, schema


def main(argv: list[str] | None = None) -> int:
    """The `predict` command, for this project's schema and features."""
    return predict.main(argv, schema, features)


if __name__ == "__main__":
    sys.exit(main())
