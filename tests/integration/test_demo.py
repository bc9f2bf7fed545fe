"""The README's main job, `rekon demo`, as an operator runs it: from a working folder, with the
default relative `demo/` folder, through the console script."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pipeline import publication


def test_demo_runs_from_a_relative_folder_without_library_warnings(tmp_path: Path) -> None:
    rekon = Path(sys.executable).with_name("rekon")
    result = subprocess.run(
        [str(rekon), "demo", "--employers", "120"], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    published = tmp_path / "demo" / "data" / "published" / "2026-10"
    assert {p.name for p in published.iterdir()} == publication.published_files("2026-10")
    # Python warnings reach the log as `py.warnings`: a library complaining about our suites or
    # calls (a regex with capture groups, a deprecated API) is a defect, not noise.
    assert "py.warnings" not in result.stderr, result.stderr
