"""Copy $SOURCE (a file or folder) to $ACT_ARTIFACTS/$NAME/, as upload-artifact would upload it."""

import os
import shutil
import sys
from pathlib import Path

name, source = os.environ["NAME"], Path(os.environ["SOURCE"])
store = Path(os.environ["ACT_ARTIFACTS"]) / name
files = [p for p in (source.rglob("*") if source.is_dir() else [source]) if p.is_file()]
if not files:
    message = f"No files were found with the provided path: {source}."
    if os.environ.get("IF_NO_FILES_FOUND") == "error":
        sys.exit(f"Error: {message} No artifacts will be uploaded.")
    print(f"Warning: {message} No artifacts will be uploaded.")
    sys.exit(0)
if store.exists():
    sys.exit(f"Error: an artifact named {name} already exists in this run (409 Conflict)")
root = source if source.is_dir() else source.parent
for path in files:
    target = store / path.relative_to(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as handle:
    handle.write(f"artifact-id={abs(hash(name)) % 10**6}\n")
print(f"upload-artifact stand-in: {len(files)} file(s) as {name}")
