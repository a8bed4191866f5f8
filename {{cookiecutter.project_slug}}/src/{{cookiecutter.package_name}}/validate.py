"""Stage `validate`: check the raw CSV against `schema.py` before anything learns from it.

The checks are the data contract in schema.py; `gitops_ml.validation` runs them in chunks, so
memory stays flat however large the file is. On success the typed rows go to
`data/interim/validated.parquet` and a report to `reports/validation.json`; on failure each
failing check is listed (column, check, failing rows, examples), no data is written and the
stage exits non-zero.
"""

from __future__ import annotations

from gitops_ml.stage import Paths, load_params, run_stage
from gitops_ml.validation import validate_stage

from . import schema


def validate(paths: Paths) -> None:
    """Run the stage on the file `data.raw` in params.yaml names."""
    validate_stage(paths, load_params(paths)["data"]["raw"], schema)


if __name__ == "__main__":
    run_stage(validate)
