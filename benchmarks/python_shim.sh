#!/bin/sh
# Put first on PATH while `dvc repro` runs: each stage's `python -m <pkg>.<stage>` then runs
# under GNU time, which appends "<stage args> wall=<s> maxrss_kb=<KB>" to $BENCH_STAGE_LOG.
# The cost is one extra fork/exec per stage (milliseconds).
exec /usr/bin/time -a -o "$BENCH_STAGE_LOG" -f "$* wall=%e maxrss_kb=%M" "$BENCH_PYTHON" "$@"
