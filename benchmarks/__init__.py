"""The template's benchmarks, run from the repository's root: `python -m benchmarks.run`."""
