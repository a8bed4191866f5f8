"""gitops_ml.stage: stage outputs appear whole or not at all, readable like any other file."""

from __future__ import annotations

import os
import stat

import pytest
from gitops_ml.stage import atomic_write


@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_written_file_has_the_usual_permissions(tmp_path, umask_022):
    target = tmp_path / "models" / "model.skops"
    atomic_write(target, lambda tmp: tmp.write_bytes(b"model"))
    assert target.read_bytes() == b"model"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644  # not a temporary file's 0600


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "metrics.json"
    target.write_text("old")

    def fail(tmp):
        tmp.write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_write(target, fail)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]
