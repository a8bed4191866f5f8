"""A directory cache under $ACT_CACHE_DIR, keyed like actions/cache: `restore` or `save`."""

import hashlib
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(os.environ["ACT_CACHE_DIR"])


def slot(key: str) -> Path:
    return ROOT / hashlib.sha256(key.encode()).hexdigest()[:32]


def output(name: str, value: str) -> None:
    with open(os.environ["GITHUB_OUTPUT"], "a", encoding="utf-8") as handle:
        handle.write(f"{name}={value}\n")


def restore(path: Path, key: str, restore_keys: list[str]) -> None:
    matched = key if (slot(key) / "data").is_dir() else None
    if matched is None:
        for prefix in restore_keys:
            saved = sorted(
                (p for p in ROOT.glob("*/key") if p.read_text().startswith(prefix)),
                key=lambda p: p.stat().st_mtime,
            )
            if saved:
                matched = saved[-1].read_text()
                break
    output("cache-hit", "true" if matched == key else "false")
    output("cache-matched-key", matched or "")
    if matched:
        shutil.copytree(slot(matched) / "data", path, dirs_exist_ok=True, symlinks=True)
    print(f"cache stand-in: key {key}: {'restored ' + matched if matched else 'miss'}")


def save(path: Path, key: str) -> None:
    if (slot(key) / "data").is_dir():
        print(f"cache stand-in: {key} already saved")
        return
    if not path.is_dir():
        print(f"cache stand-in: {path} does not exist, nothing saved")
        return
    shutil.copytree(path, slot(key) / "data", symlinks=True)
    (slot(key) / "key").write_text(key)
    print(f"cache stand-in: saved {path} as {key}")


if __name__ == "__main__":
    ROOT.mkdir(parents=True, exist_ok=True)
    cache_path = Path(os.environ["CACHE_PATH"])
    if sys.argv[1] == "restore":
        keys = [k.strip() for k in os.environ.get("RESTORE_KEYS", "").splitlines() if k.strip()]
        restore(cache_path, os.environ["CACHE_KEY"], keys)
    else:
        save(cache_path, os.environ["CACHE_KEY"])
