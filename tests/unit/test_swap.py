"""The publication swap: readers see the old version or the new one, and a crash is recovered."""

from __future__ import annotations

import os
from pathlib import Path

from pipeline.publish.swap import recover, staging_dir, swap_into_place


def test_swap_replaces_the_previous_version(tmp_path: Path) -> None:
    target = tmp_path / "2026-10"
    target.mkdir()
    (target / "findings.csv").write_text("old")
    staging = staging_dir(target)
    (staging / "findings.csv").write_text("new")
    swap_into_place(staging, target)
    assert (target / "findings.csv").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["2026-10"]


def test_recover_restores_a_version_left_aside_by_a_crash(tmp_path: Path) -> None:
    target = tmp_path / "2026-10"
    target.mkdir()
    (target / "findings.csv").write_text("old")
    staging = staging_dir(target)
    # The crash: the old version was moved aside, the new one never moved in.
    os.rename(target, tmp_path / ".2026-10.previous")
    recover(target)
    assert (target / "findings.csv").read_text() == "old"
    assert not staging.exists()
