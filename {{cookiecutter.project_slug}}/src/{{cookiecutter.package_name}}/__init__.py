"""The pipeline stages, data schema and model I/O of this project (see README.md)."""
