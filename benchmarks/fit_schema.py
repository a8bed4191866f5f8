"""Drop the rows of a generated CSV that break the baked project's inferred schema.

The bundled churn schema was inferred from 5,000 rows; at 1,000,000 rows the same generator
produces a few values past its inferred ranges (e.g. `support_calls` > 10), so `validate`
rightly stops. To still time the pipeline at scale without editing the schema, run.py keeps
only the rows that pass it, byte for byte (the dropped count goes into the results).

    python benchmarks/fit_schema.py <csv> --package churn_model   (cwd: project, src on path)

Prints one JSON line: {"rows_in": n, "rows_dropped": k, "failures": [...]}.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv", type=Path)
    parser.add_argument("--package", required=True)
    args = parser.parse_args(argv)
    import pandas as pd
    import pandera.pandas as pa
    from gitops_ml.validation import text_dtypes

    schema = importlib.import_module(f"{args.package}.schema")
    text = text_dtypes(schema.SCHEMA.columns, list(schema.SCHEMA.columns))
    frame = pd.read_csv(args.csv, dtype=text)
    try:
        schema.SCHEMA.validate(frame, lazy=True)
        bad: set[int] = set()
        failures: list[str] = []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
        bad = {int(i) for i in cases["index"].dropna()}
        failures = sorted(
            {f"{c} {k}" for c, k in zip(cases["column"], cases["check"], strict=True)}
        )
    if bad:
        lines = args.csv.read_bytes().splitlines(keepends=True)
        kept = [lines[0]] + [line for i, line in enumerate(lines[1:]) if i not in bad]
        args.csv.write_bytes(b"".join(kept))
    print(json.dumps({"rows_in": len(frame), "rows_dropped": len(bad), "failures": failures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
